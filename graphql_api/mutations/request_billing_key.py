from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from payments.billing.services import billing_key_request_start


@strawberry.type(
    description="Pass both to Bootpay's requestSubscription, then registerBillingKey its receipt."
)
class RequestBillingKeySuccess:
    subscription_id: str = strawberry.field(description="requestSubscription's subscription_id (bkr_…).")
    order_name: str


RequestBillingKeyPayload = Annotated[
    RequestBillingKeySuccess | OperationError | InputError, strawberry.union("RequestBillingKeyPayload")
]


@strawberry.type
class RequestBillingKeyMutation:
    @strawberry_django.mutation(
        description="Start registering a card: a subscription_id for the caller's requestSubscription."
    )
    def request_billing_key(self, info: Info) -> RequestBillingKeyPayload:
        def start(user) -> RequestBillingKeySuccess:
            request = billing_key_request_start(buyer=user)
            return RequestBillingKeySuccess(
                subscription_id=request.subscription_id, order_name=request.order_name
            )

        return as_signed_in_user(info, start)
