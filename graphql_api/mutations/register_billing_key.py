from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import BillingKeyType
from payments.billing.services import billing_key_register


@strawberry.type
class RegisterBillingKeySuccess:
    billing_key: BillingKeyType


RegisterBillingKeyPayload = Annotated[
    RegisterBillingKeySuccess | OperationError | InputError, strawberry.union("RegisterBillingKeyPayload")
]


@strawberry.type
class RegisterBillingKeyMutation:
    @strawberry_django.mutation(
        description=(
            "Register the card requestSubscription issued, by its receipt id. billing_key_invalid with "
            "details.reason not_billing_receipt, not_issued_to_you or already_registered otherwise."
        )
    )
    def register_billing_key(self, info: Info, receipt_id: str) -> RegisterBillingKeyPayload:
        return as_signed_in_user(
            info,
            lambda user: RegisterBillingKeySuccess(
                billing_key=billing_key_register(buyer=user, receipt_id=receipt_id)
            ),
            field_names={"receipt_id": "receiptId"},
        )
