"""Apply Bootpay's truth: the one place a fetched receipt changes an existing payment."""

from __future__ import annotations

from django.db import transaction

from config.errors import ErrorCode
from orders.models import Order
from orders.services import order_lock
from payments.gateway import Gateway, Receipt
from payments.models import Cancellation, Payment
from payments.services.common import (
    STATUS_RANK,
    Actor,
    Kind,
    Status,
    amount_problems,
    event_append,
    gateway_or_default,
    order_mark_paid,
    payment_lock,
    payment_refused,
    payment_update,
    status_for_receipt,
)
from payments.services.settle import (
    cancellation_execute,
    cancellation_open,
    failed_payment_refund,
    record_external_cancellation,
)


def payment_sync_from_receipt(
    *, receipt: Receipt, actor: Actor, gateway: Gateway | None = None, payment: Payment | None = None
) -> Payment:
    """The one place a fetched receipt changes an existing payment (verify, confirm, webhook, reconcile).

    Moves only forward, so duplicated and out-of-order notices are harmless. A payment completing
    here (deposit, approval) is checked against the order again and refunded if it no longer fits.
    A cancellation made outside this service (Bootpay's admin) is recorded as a `Cancellation`; one
    we asked for and have not settled yet is left to the settle step. Appends an event only
    when something changed. `gateway` sends the refund such a check may owe. `payment`: the receipt's
    payment as the caller just read it (unlocked), saving the read.

    A receipt that an unlocked read already shows applied (a repeated notice, the webhook after the
    buyer's verify) changes nothing and takes no lock: see `_nothing_to_apply`.
    """
    if payment is None:
        payment = Payment.objects.get(receipt_id=receipt.receipt_id)
    if _nothing_to_apply(payment, receipt):
        return payment
    refund: Cancellation | None = None
    with transaction.atomic():
        order = order_lock(order_pk=payment.order_id)
        payment = payment_lock(payment_pk=payment.pk)
        before = payment.status
        target = status_for_receipt(receipt)
        if before in (Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT):
            if STATUS_RANK[target] <= STATUS_RANK[before]:
                return payment  # stale or duplicate news
            if target == Status.FAILED or (target == Status.CANCELLED and receipt.purchased_at is None):
                # Declined, aged out, or a virtual account withdrawn before any deposit: no money moved.
                payment_update(payment, status=Status.FAILED, receipt=receipt)
                event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
            elif target in (Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT):
                payment_update(payment, status=target, receipt=receipt)
                event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
            else:  # the money arrived: deposit, approval, or a late "paid" notice
                refund = _payment_complete(payment, order, receipt, actor)
        elif before == Status.FAILED:
            refund = failed_payment_refund(payment, receipt, actor)
        elif before != Status.PAID and before != Status.PARTIALLY_CANCELLED:
            return payment  # a fully cancelled payment is final

        record_external_cancellation(payment, order, receipt, actor)

    if refund is not None:
        cancellation_execute(refund, actor=actor, gateway=gateway_or_default(gateway), raise_on_failure=False)
        payment.refresh_from_db()
    return payment


def _nothing_to_apply(payment: Payment, receipt: Receipt) -> bool:
    """Whether the locked path below would return without a change, judged from an unlocked read.

    Sound because what it reads only moves forward: a status never goes back in STATUS_RANK's order
    from paid on, and `cancelled_amount` only grows. So if a possibly stale row already covers the
    receipt (a pending payment no further than the receipt, a fully cancelled one, or a paid one that
    has booked at least the receipt's cancelled amount), the current row covers it too. A failed
    payment is never skipped (it may owe a refund).
    """
    before = payment.status
    if before == Status.CANCELLED:
        return True
    # A stale pending row may be paid by now, and a paid one books what the receipt shows cancelled.
    booked = receipt.cancelled_price <= payment.cancelled_amount
    if before in (Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT):
        return booked and STATUS_RANK[status_for_receipt(receipt)] <= STATUS_RANK[before]
    return booked and before in (Status.PAID, Status.PARTIALLY_CANCELLED)


def _payment_complete(payment: Payment, order: Order, receipt: Receipt, actor: Actor) -> Cancellation | None:
    """A pending payment now holds money. Returns the refund to send when it no longer fits the order."""
    before = payment.status
    problems = amount_problems(order, receipt)
    if not problems and order.is_payable:
        payment_update(payment, status=Status.PAID, receipt=receipt)
        event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
        order_mark_paid(order)
        return None
    code = ErrorCode.AMOUNT_MISMATCH if problems else ErrorCode.ORDER_NOT_PAYABLE
    payment_update(payment, status=Status.FAILED, receipt=receipt)
    event_append(
        payment,
        kind=Kind.VERIFY_REJECTED,
        actor=actor,
        from_status=before,
        receipt=receipt,
        data={"code": code, "problems": problems, "order_status": order.status},
    )
    refund = None
    if receipt.remaining_price > 0:
        refund = cancellation_open(
            payment,
            amount=receipt.remaining_price,
            tax_free=receipt.tax_free - receipt.cancelled_tax_free,
            actor=actor,
            reason="결제 검증 실패로 자동 취소",
        )
    payment_refused.send(sender=Payment, order=order, payment=payment, code=code)
    return refund
