from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from config.errors import DomainError
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error, not_authenticated
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
        user = current_user(info)
        if not user.is_authenticated:
            return not_authenticated()
        try:
            payment = payment_get_visible(public_id=str(payment_id), user=user)
            payment = payment_confirm(payment_pk=payment.pk, actor=user)
        except DomainError as exc:
            return graphql_error(exc)
        return ConfirmPaymentSuccess(payment=payment)
