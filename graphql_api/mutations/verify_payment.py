from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import PaymentType
from payments.services import payment_verify


@strawberry.type
class VerifyPaymentSuccess:
    payment: PaymentType


VerifyPaymentPayload = Annotated[
    VerifyPaymentSuccess | OperationError | InputError, strawberry.union("VerifyPaymentPayload")
]


@strawberry.type
class VerifyPaymentMutation:
    @strawberry_django.mutation(
        description="Check the receipt BootpayWidget returned against the order and bind it. Idempotent."
    )
    def verify_payment(self, info: Info, order_id: str, receipt_id: str) -> VerifyPaymentPayload:
        return as_signed_in_user(
            info,
            lambda user: VerifyPaymentSuccess(
                payment=payment_verify(order_id=order_id, receipt_id=receipt_id, actor=user)
            ),
        )
