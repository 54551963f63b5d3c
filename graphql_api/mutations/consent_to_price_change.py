from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import SubscriptionType
from payments.billing.services import subscription_price_change_consent


@strawberry.type
class ConsentToPriceChangeSuccess:
    subscription: SubscriptionType


ConsentToPriceChangePayload = Annotated[
    ConsentToPriceChangeSuccess | OperationError | InputError, strawberry.union("ConsentToPriceChangePayload")
]


@strawberry.type
class ConsentToPriceChangeMutation:
    @strawberry_django.mutation(
        description=(
            "Consent to the subscription's pending price increase (its buyer only): periods beginning at or "
            "after its effectiveAt are then charged its newPrice. Idempotent. no_pending_price_change when "
            "nothing waits; price_change_consent_closed before the window opens or after the deadline; "
            "subscription_not_found for anyone else's."
        )
    )
    def consent_to_price_change(
        self, info: Info, subscription_id: strawberry.ID
    ) -> ConsentToPriceChangePayload:
        return as_signed_in_user(
            info,
            lambda user: ConsentToPriceChangeSuccess(
                subscription=subscription_price_change_consent(
                    subscription_id=str(subscription_id), actor=user
                )
            ),
        )
