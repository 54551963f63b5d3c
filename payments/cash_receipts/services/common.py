"""What the cash receipt services share: which payments are cash, what the receipt should be (the
desired receipt: "keep the receipt equal to the money kept"), the order's summary, the lock order.

Lock order, as everywhere: the order, then its payment, then its issuances (by pk). Network calls happen
outside these transactions (`reconcile`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet

from orders.models import Order
from payments.cash_receipts.identifiers import SELF_ISSUE_IDENTIFIER, identifier_mask
from payments.cash_receipts.models import (
    CashReceiptIssuance,
    CashReceiptRequest,
    CashReceiptType,
    identifier_encrypt,
)
from payments.models import Payment

logger = logging.getLogger("payments.cash_receipts")

# Bootpay's method symbols of a cash sale: virtual account (가상계좌) and bank transfer (계좌이체). The
# emulator and the Bootpay contract know these two; `card`, `phone`, the point wallets and billing charges
# are not cash (a card slip is the buyer's evidence).
CASH_METHODS = frozenset({"vbank", "bank"})
# Payment statuses holding money a receipt may cover.
HOLDING_STATUSES = (Payment.Status.PAID, Payment.Status.PARTIALLY_CANCELLED)

Issuance = CashReceiptIssuance
State = CashReceiptIssuance.State
Shown = CashReceiptRequest.Shown


def payment_is_cash(payment: Payment) -> bool:
    return payment.method in CASH_METHODS


def payment_sold(order: Order) -> Payment | None:
    """The payment that took the order's money (paid, partly or wholly refunded), else None."""
    return order.payments.filter(status__in=Payment.SOLD_STATUSES).order_by("-pk").first()


def money_kept(payment: Payment) -> tuple[int, int]:
    """(amount, tax-free part) the payment still holds: paid minus booked refunds."""
    if payment.status not in HOLDING_STATUSES:
        return 0, 0
    amount = payment.amount - payment.cancelled_amount
    tax_free = max(0, min(payment.tax_free_amount - payment.cancelled_tax_free_amount, amount))
    return amount, tax_free


def money_arrived_at(payment: Payment, order: Order) -> datetime | None:
    return payment.purchased_at or order.paid_at


@dataclass(frozen=True)
class Desired:
    """The receipt the order should have at Bootpay now."""

    type: str
    identifier: str  # plain, in memory only
    amount: int
    tax_free: int
    self_issued: bool

    def matches(self, issuance: CashReceiptIssuance) -> bool:
        return (
            issuance.type == self.type
            and issuance.amount == self.amount
            and issuance.tax_free == self.tax_free
            and issuance.identifier == self.identifier
        )

    def __repr__(self) -> str:  # never the identifier
        return f"Desired({self.type}, {self.amount}, self_issued={self.self_issued})"


def self_issue_due(*, payment: Payment, order: Order, now: datetime) -> bool:
    """A cash sale of ≥ CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT (the whole sale, VAT included), past the grace
    that leaves the buyer time to ask (CASH_RECEIPT_SELF_ISSUE_AFTER)."""
    arrived = money_arrived_at(payment, order)
    return (
        payment.amount >= settings.CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT
        and arrived is not None
        and arrived + settings.CASH_RECEIPT_SELF_ISSUE_AFTER <= now
    )


def desired_receipt(
    *,
    order: Order,
    payment: Payment | None,
    request: CashReceiptRequest | None,
    now: datetime,
    pg_issued: bool = False,
) -> Desired | None:
    """What the receipt should be: None when no receipt should stand (not a cash sale, nothing kept,
    nobody asked and no self-issuance due). `pg_issued`: the PG's window issued one (to a number we do not
    know): what remains after a refund goes to the tax office's number, like an unknown buyer's."""
    if payment is None or not payment_is_cash(payment):
        return None
    amount, tax_free = money_kept(payment)
    if amount <= 0:
        return None
    if request is not None and request.type != CashReceiptType.NONE and request.identifier:
        # A request a self-issuance wrote is still one: its refusal waits for staff (no fallback to itself).
        self_issued = request.source == CashReceiptRequest.Source.SELF_ISSUED
        return Desired(request.type, request.identifier, amount, tax_free, self_issued=self_issued)
    if request is not None and request.type == CashReceiptType.NONE:
        pg_issued = False  # the buyer withdrew: only the law's own threshold still asks for a receipt
    if pg_issued or self_issue_due(payment=payment, order=order, now=now):
        return Desired(CashReceiptType.INCOME_DEDUCTION, SELF_ISSUE_IDENTIFIER, amount, tax_free, True)
    return None


def request_set(
    *,
    order: Order,
    type: str,  # noqa: A002
    identifier: str,
    source: str,
    actor=None,
) -> CashReceiptRequest:
    """Create or replace the order's request (the caller holds the order's lock)."""
    plain = "" if type == CashReceiptType.NONE else identifier
    fields = {
        "type": type,
        "identifier_encrypted": identifier_encrypt(plain),
        "identifier_masked": identifier_mask(plain) if plain else "",
        "source": source,
        "requested_by": actor if actor is not None and actor.is_authenticated else None,
    }
    request, _ = CashReceiptRequest.objects.update_or_create(order=order, defaults=fields)
    return request


def request_self_issued(*, order: Order, request: CashReceiptRequest | None) -> CashReceiptRequest:
    """Record that the receipt goes to the tax office's number (자진발급), unless already so."""
    if request is not None and request.source == CashReceiptRequest.Source.SELF_ISSUED:
        return request
    return request_set(
        order=order,
        type=CashReceiptType.INCOME_DEDUCTION,
        identifier=SELF_ISSUE_IDENTIFIER,
        source=CashReceiptRequest.Source.SELF_ISSUED,
    )


def issuances_locked(order: Order) -> list[CashReceiptIssuance]:
    """The order's issuances under lock, oldest first (the caller holds the order's lock)."""
    return list(
        CashReceiptIssuance.objects.select_for_update(of=("self",)).filter(order=order).order_by("pk")
    )


def live_of(issuances: list[CashReceiptIssuance]) -> CashReceiptIssuance | None:
    return next((row for row in issuances if row.state in CashReceiptIssuance.LIVE_STATES), None)


def summary_refresh(*, order: Order, payment: Payment | None) -> None:
    """Write what the order shows of its cash receipt from the ledger (the caller holds the order's lock)."""
    request = CashReceiptRequest.objects.filter(order=order).first()
    rows = list(CashReceiptIssuance.objects.filter(order=order).order_by("-pk"))
    live = live_of(rows)
    latest = rows[0] if rows else None
    if request is None:
        if latest is None:
            return
        # A receipt the PG issued by itself, with no request of ours: shown as the PG's (number unknown).
        request = CashReceiptRequest(
            order=order,
            type=latest.type,
            identifier_encrypted=latest.identifier_encrypted,
            identifier_masked=latest.identifier_masked,
            source=CashReceiptRequest.Source.PG
            if latest.issued_by_pg
            else CashReceiptRequest.Source.CHECKOUT,
        )
    approval_no, amount, issued_at = "", None, None
    if live is not None and live.state == State.ISSUED:
        status = Shown.ISSUED
        approval_no, amount, issued_at = live.approval_no, live.amount, live.issued_at
    elif live is not None:
        status = Shown.PENDING
    elif payment is not None and payment.status in Payment.SOLD_STATUSES and not payment_is_cash(payment):
        status = Shown.NOT_APPLICABLE
    elif latest is not None and latest.state == State.CANCEL_FAILED:
        status = Shown.FAILED  # the refused cancel may have left a receipt standing: staff decide
    elif latest is not None and latest.state == State.FAILED:
        # A refused issuance waits for staff only while the payment holds money a receipt should cover.
        held = payment is not None and money_kept(payment)[0] > 0
        status = Shown.FAILED if held else Shown.CANCELLED
    elif latest is not None and latest.state == State.CANCELLED:
        status = Shown.CANCELLED
    else:
        status = Shown.PENDING
    changed = (request.status, request.approval_no, request.amount, request.issued_at) != (
        status,
        approval_no,
        amount,
        issued_at,
    )
    if changed or request.pk is None:
        request.status, request.approval_no, request.amount, request.issued_at = (
            status,
            approval_no,
            amount,
            issued_at,
        )
        request.save()


def open_issuances() -> QuerySet[CashReceiptIssuance]:
    return CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.OPEN_STATES)


def new_standalone_order_id_for(order: Order, rows: list[CashReceiptIssuance]) -> str:
    """Our order id for the order's next stand-alone receipt, `<order_id>-cr<N>` (N from 1)."""
    from payments.cash_receipts.models import new_standalone_order_id

    taken = sum(1 for row in rows if row.kind == CashReceiptIssuance.Kind.STANDALONE)
    return new_standalone_order_id(order, taken + 1)
