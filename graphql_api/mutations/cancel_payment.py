from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
from graphql_api.types import CancellationType, PaymentType
from payments.gateway import RefundAccount
from payments.models import Payment
from payments.selectors import payment_filter_visible, payment_get_for_cancel
from payments.services import payment_cancel


@strawberry.input(description="Where a deposited virtual account's money goes back (needed to refund one).")
class RefundAccountInput:
    bank_code: str = strawberry.field(description="One of checkoutConfig.refundBanks' codes, e.g. 004.")
    bank_account: str = strawberry.field(
        description="Account number; hyphens and spaces are dropped (checkoutConfig.refundAccountRule)."
    )
    bank_username: str = strawberry.field(description="Account holder's name.")


@strawberry.type
class CancelPaymentSuccess:
    cancellation: CancellationType
    payment: PaymentType | None = strawberry.field(
        description="The payment after the cancel; null for a seller, who may not view the payment."
    )


CancelPaymentPayload = Annotated[
    CancelPaymentSuccess | OperationError | InputError, strawberry.union("CancelPaymentPayload")
]


@strawberry.type
class CancelPaymentMutation:
    @strawberry_django.mutation(
        description=(
            "Cancel all or part of a payment (same rules as REST: staff may give taxFreeAmount; a deposited "
            "virtual account needs refund). The same idempotencyKey and arguments return the first outcome "
            "(an unknown one is settled with Bootpay first); other arguments give idempotency_key_reused."
        )
    )
    def cancel_payment(
        self,
        info: Info,
        payment_id: strawberry.ID,
        reason: str,
        idempotency_key: str,
        amount: int | None = None,
        item_ids: list[strawberry.ID] | None = None,
        tax_free_amount: int | None = None,
        refund: RefundAccountInput | None = None,
    ) -> CancelPaymentPayload:
        def cancel(user) -> CancelPaymentSuccess:
            payment = payment_get_for_cancel(public_id=str(payment_id), user=user)
            cancellation = payment_cancel(
                payment_pk=payment.pk,
                actor=user,
                reason=reason,
                amount=amount,
                tax_free_amount=tax_free_amount,
                item_ids=None if item_ids is None else [pk_or_invalid(i, field="itemIds") for i in item_ids],
                idempotency_key=idempotency_key,
                refund=None if refund is None else RefundAccount(**vars(refund)),
            )
            # A seller may cancel its lines but not read the buyer's payment.
            visible = payment_filter_visible(Payment.objects.filter(pk=payment.pk), user=user).first()
            return CancelPaymentSuccess(cancellation=cancellation, payment=visible)

        # The service names the key as REST sends it (a header); here it is the `idempotencyKey` argument.
        return as_signed_in_user(info, cancel, field_names={"Idempotency-Key": "idempotencyKey"})
