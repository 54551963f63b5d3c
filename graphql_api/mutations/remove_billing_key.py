from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import BillingKeyType
from payments.billing.services import billing_key_remove


@strawberry.type
class RemoveBillingKeySuccess:
    billing_key: BillingKeyType = strawberry.field(description="The card, now `removed`.")


RemoveBillingKeyPayload = Annotated[
    RemoveBillingKeySuccess | OperationError | InputError, strawberry.union("RemoveBillingKeyPayload")
]


@strawberry.type
class RemoveBillingKeyMutation:
    @strawberry_django.mutation(
        description=(
            "Remove one of the caller's cards (destroyed at Bootpay); billing_key_in_use while an active or "
            "past-due subscription uses it. Idempotent."
        )
    )
    def remove_billing_key(self, info: Info, billing_key_id: strawberry.ID) -> RemoveBillingKeyPayload:
        return as_signed_in_user(
            info,
            lambda user: RemoveBillingKeySuccess(
                billing_key=billing_key_remove(buyer=user, billing_key_id=str(billing_key_id))
            ),
        )
