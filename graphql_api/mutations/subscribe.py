from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info, relay

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
from graphql_api.types import SubscriptionType
from payments.billing.services import subscription_create


@strawberry.type
class SubscribeSuccess:
    subscription: SubscriptionType


SubscribePayload = Annotated[
    SubscribeSuccess | OperationError | InputError, strawberry.union("SubscribePayload")
]


@strawberry.type
class SubscribeMutation:
    @strawberry_django.mutation(
        description=(
            "Subscribe to a subscribable product with one of the caller's cards; the first period is charged "
            "now. payment_failed (details.pg_code, details.subscription_id) when it is declined; "
            "gateway_unavailable (details.subscription_id) when Bootpay did not answer; subscription_exists "
            "(details.subscription_id) while one to the product is active or past due, with no charge."
        )
    )
    def subscribe(
        self, info: Info, product_id: relay.GlobalID, billing_key_id: strawberry.ID
    ) -> SubscribePayload:
        def create(user) -> SubscribeSuccess:
            subscription = subscription_create(
                buyer=user,
                product_id=pk_or_invalid(product_id, field="productId", type_name="Product"),
                billing_key_id=str(billing_key_id),
            )
            return SubscribeSuccess(subscription=subscription)

        return as_signed_in_user(info, create)
