"""What every payment service shares: the actor, money pairs, row locks, the event log, leases,
the gateway seam and the small receipt helpers. Nothing here calls Bootpay on its own account."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem
from payments import gateway as bootpay
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Receipt,
    ReceiptStatus,
)
from payments.models import Cancellation, Payment, PaymentEvent
from payments.money import Money

logger = logging.getLogger("payments.services")

Status = Payment.Status
Kind = PaymentEvent.Kind

# Forward-only progress: a late or duplicated notification never moves a payment back.
STATUS_RANK = {
    Status.READY: 0,
    Status.AWAITING_CONFIRM: 1,
    Status.AWAITING_DEPOSIT: 1,
    Status.PAID: 2,
    Status.PARTIALLY_CANCELLED: 3,
    Status.CANCELLED: 4,
    Status.FAILED: 4,
}


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a user, or a named system source ('webhook', 'reconcile')."""

    user: AbstractBaseUser | None = None
    label: str = ""

    @classmethod
    def of(cls, user: AbstractBaseUser | None, label: str = "") -> Actor:
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user=user, label=label or ("user" if user else "system"))


# --- The gateway seam ------------------------------------------------------------------------------


def gateway_or_default(gateway: Gateway | None) -> Gateway:
    """The gateway a service was handed, else the process-wide one (looked up per call, so
    `set_gateway` in a test takes effect at once)."""
    return gateway if gateway is not None else bootpay.get_gateway()


def gateway_failure(exc: GatewayError | GatewayUnavailable) -> DomainError:
    if isinstance(exc, GatewayUnavailable):
        return DomainError(ErrorCode.GATEWAY_UNAVAILABLE, details={"reason": exc.reason})
    return DomainError(ErrorCode.GATEWAY_ERROR, details={"pg_code": exc.code, "pg_message": exc.message})


def lookup_or_none(receipt_id: str, *, gateway: Gateway) -> Receipt | None:
    try:
        return gateway.lookup_receipt(receipt_id)
    except (GatewayError, GatewayUnavailable):
        return None


def check_receipt_id(receipt_id: Any) -> str:
    if not bootpay.is_receipt_id(receipt_id):
        raise DomainError.invalid("receipt_id", "not a Bootpay receipt id")
    return receipt_id


# --- Locks and the event log -----------------------------------------------------------------------


def payment_lock(*, payment_pk: int) -> Payment:
    """The payment row under `select_for_update`; lock its order first (lock order: order, payment)."""
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_pk)


def event_append(
    payment: Payment,
    *,
    kind: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    receipt: Receipt | None = None,
    data: dict[str, Any] | None = None,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        from_status=from_status,
        to_status=to_status or payment.status,
        actor=actor.user,
        actor_label=actor.label,
        pg_response=receipt.raw if receipt else {},
        data=data or {},
    )


def attempt_lease() -> timedelta:
    """How long a claim to talk to the PG about a cancellation holds before someone else may take it."""
    # One cancel call and perhaps one lookup, each bounded by the gateway timeout, plus slack.
    return timedelta(seconds=3 * settings.BOOTPAY_TIMEOUT_S + 5)


# --- Receipts and balances -------------------------------------------------------------------------


def status_for_receipt(receipt: Receipt) -> str:
    if receipt.status == ReceiptStatus.PAID:
        return Status.PARTIALLY_CANCELLED if receipt.cancelled_price else Status.PAID
    if receipt.status == ReceiptStatus.AWAITING_CONFIRM:
        return Status.AWAITING_CONFIRM
    if receipt.status == ReceiptStatus.VBANK_ISSUED:
        return Status.AWAITING_DEPOSIT
    if receipt.status == ReceiptStatus.CANCELLED:
        if receipt.cancelled_price and receipt.cancelled_price < receipt.price:
            return Status.PARTIALLY_CANCELLED
        return Status.CANCELLED
    if receipt.status == ReceiptStatus.READY:
        return Status.READY
    return Status.FAILED  # negative codes: failed, expired, issuance cancelled


def receipt_fields(receipt: Receipt, *, status: str, purchased_at: datetime | None = None) -> dict[str, Any]:
    """A payment's columns from a receipt, for a payment moving to `status` (that took its money at
    `purchased_at`, if known). The moment money was taken is Bootpay's, kept once known, and never
    missing on a paid payment: statements book the sale on its day, so a paid receipt without it is
    taken as paid now."""
    taken = receipt.purchased_at or purchased_at
    if taken is None and status == Status.PAID:
        taken = timezone.now()
    return {
        "raw_receipt": receipt.raw,
        "method": receipt.method_symbol[:40],
        "method_name": receipt.method[:60],
        "pg": receipt.pg[:60],
        "sandbox": receipt.sandbox,
        "purchased_at": taken,
        "escrow": receipt.escrow,
    }


def payment_update(payment: Payment, *, status: str, receipt: Receipt) -> None:
    fields = receipt_fields(receipt, status=status, purchased_at=payment.purchased_at)
    payment.status = status
    escrow = payment.escrow
    known = {"method": payment.method, "method_name": payment.method_name, "pg": payment.pg}
    for name, value in fields.items():
        setattr(payment, name, value)
    # Once escrow, always: a later answer that leaves escrow_data out (a cancel's) does not unmake it.
    payment.escrow = escrow or receipt.escrow
    # Likewise the PG and method the cancel rules read (payments.pg_rules): a later answer without them
    # keeps what an earlier one said.
    for name in ("method", "method_name", "pg"):
        if not fields[name]:
            setattr(payment, name, known[name])
    payment.save()


# Sent with `order` inside the transaction that marks it paid, under its row lock (whichever path booked
# the receipt: verify, webhook, reconcile, a subscription charge). A receiver must not lock rows that
# come before the order in the lock order (a subscription): it defers such work with
# `transaction.on_commit` (payments.billing.services does, to advance the subscription's period).
order_paid = Signal()


def order_mark_paid(order: Order) -> None:
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at", "updated_at"])
    order.items.filter(status=OrderItem.Status.PENDING_PAYMENT).update(status=OrderItem.Status.PAID)
    order_paid.send(sender=Order, order=order)


# Sent with `order`, `payment` (just recorded `failed`) and `code` inside the transaction that refuses a
# receipt for the order, under its row lock (verify, webhook, reconcile, a subscription charge's own
# answer), after any refund it owes is opened. Same lock rule as `order_paid`: a receiver defers work on
# rows above the order (billing settles a charge whose outcome was open once its receipt is refused).
payment_refused = Signal()

# Sent with `payment`, `order` and `cancellation` (just booked `succeeded`, our own or one made at
# Bootpay) inside the transaction that books it, under the order's and the payment's row locks. Same lock
# rule as `order_paid`; a receiver defers network work with `transaction.on_commit` (cash receipts follow
# the money kept: cancel the receipt, re-issue it for what remains).
payment_refunded = Signal()


def amount_problems(order: Order, receipt: Receipt) -> dict[str, Any]:
    """What differs between our order and what the PG charged (empty when they agree)."""
    problems = {}
    if receipt.price != order.total_amount:
        problems["price"] = {"expected": order.total_amount, "received": receipt.price}
    if receipt.tax_free != order.tax_free_amount:
        problems["tax_free"] = {"expected": order.tax_free_amount, "received": receipt.tax_free}
    if receipt.currency.upper() != order.currency:
        problems["currency"] = {"expected": order.currency, "received": receipt.currency}
    return problems


def in_flight(payment: Payment) -> Money:
    """Still-`requested` cancellations: the PG may have applied them, so they count as spent."""
    total = payment.cancellations.filter(state=Cancellation.State.REQUESTED).aggregate(
        amount=Coalesce(Sum("amount"), 0), tax_free=Coalesce(Sum("tax_free_amount"), 0)
    )
    return Money(amount=total["amount"], tax_free=total["tax_free"])


def cancel_balance(payment: Payment) -> Money:
    """What may still be cancelled, and its tax-free part: paid minus booked minus in-flight."""
    spent = in_flight(payment)
    amount = max(0, payment.amount - payment.cancelled_amount - spent.amount)
    tax_free = payment.tax_free_amount - payment.cancelled_tax_free_amount - spent.tax_free
    return Money(amount=amount, tax_free=max(0, min(tax_free, amount)))
