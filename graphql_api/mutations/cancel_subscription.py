from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import SubscriptionType
from payments.billing.services import subscription_cancel


@strawberry.type
class CancelSubscriptionSuccess:
    subscription: SubscriptionType


CancelSubscriptionPayload = Annotated[
    CancelSubscriptionSuccess | OperationError | InputError, strawberry.union("CancelSubscriptionPayload")
]


@strawberry.type
class CancelSubscriptionMutation:
    @strawberry_django.mutation(
        description=(
            "Stop a subscription's future charges (its buyer, or staff); its card is destroyed at Bootpay "
            "when nothing else uses it. Paid periods stay paid. Idempotent."
        )
    )
    def cancel_subscription(self, info: Info, subscription_id: strawberry.ID) -> CancelSubscriptionPayload:
        return as_signed_in_user(
            info,
            lambda user: CancelSubscriptionSuccess(
                subscription=subscription_cancel(subscription_id=str(subscription_id), actor=user)
            ),
        )
