from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import PaymentType
from payments.selectors import payment_get_visible
from payments.services import payment_confirm


@strawberry.type
class ConfirmPaymentSuccess:
    payment: PaymentType


ConfirmPaymentPayload = Annotated[
    ConfirmPaymentSuccess | OperationError | InputError, strawberry.union("ConfirmPaymentPayload")
]


@strawberry.type
class ConfirmPaymentMutation:
    @strawberry_django.mutation(description="Approve a separately-confirmed payment. Safe to retry.")
    def confirm_payment(self, info: Info, payment_id: strawberry.ID) -> ConfirmPaymentPayload:
        def confirm(user) -> ConfirmPaymentSuccess:
            payment = payment_get_visible(public_id=str(payment_id), user=user)
            return ConfirmPaymentSuccess(payment=payment_confirm(payment_pk=payment.pk, actor=user))

        return as_signed_in_user(info, confirm)
