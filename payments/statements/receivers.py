"""How statements hear of sales and refunds: the core's signals, connected in `StatementsConfig.ready`
(the core never imports this package). Each receiver runs inside the money transaction, under the order's
row lock, and books with one statement (`services.sale_book` / `refund_book`); a repeated signal books
nothing twice."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from payments.models import SOLD_PAYMENT_STATUSES, Cancellation, Payment, PaymentEvent
from payments.services.common import payment_refunded
from payments.statements.services import refund_book, sale_book


def connect() -> None:
    post_save.connect(on_payment_event, sender=PaymentEvent, dispatch_uid="payments.statements.payment_event")
    payment_refunded.connect(on_payment_refunded, dispatch_uid="payments.statements.payment_refunded")


def on_payment_event(sender: object = None, *, instance: PaymentEvent, created: bool, **_: Any) -> None:
    """A payment's log says it took the order's money (verified paid, or a deposit or approval synced):
    its sale. Its `purchased_at` and lines are final from here on (docs/statements.md, "Rollups")."""
    if (
        created
        and instance.to_status in SOLD_PAYMENT_STATUSES
        and instance.from_status not in SOLD_PAYMENT_STATUSES
    ):
        sale_book(instance.payment)


def on_payment_refunded(
    sender: object = None, *, payment: Payment, cancellation: Cancellation, **_: Any
) -> None:
    """A cancellation just booked `succeeded` (ours or one made at Bootpay), shares written: its refund."""
    refund_book(payment, cancellation)
