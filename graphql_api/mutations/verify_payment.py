from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from config.errors import DomainError
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error, not_authenticated
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
        user = current_user(info)
        if not user.is_authenticated:
            return not_authenticated()
        try:
            payment = payment_verify(order_id=order_id, receipt_id=receipt_id, actor=user)
        except DomainError as exc:
            return graphql_error(exc)
        return VerifyPaymentSuccess(payment=payment)
