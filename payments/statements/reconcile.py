"""A statement period checked against Bootpay (read only): `statement_reconcile`, the body of
`manage.py reconcile_statement` (docs/statements.md).

What our books and Bootpay's disagree on is a `StatementDifference`; calls whose outcome is open are
collected from the core's cancellations and from every capability answering the core's
`period_open_outcomes` signal (billing: its charges). Both are defined in the core
(`payments.services.reconcile`), which billing connects to without importing this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from orders.models import OrderItem
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, Receipt, ReceiptStatus
from payments.models import Cancellation, Payment
from payments.services.common import Status, attempt_lease, gateway_or_default, status_for_receipt
from payments.services.reconcile import StatementDifference, period_open_outcomes
from payments.statements.selectors import (
    period_bounds,
    statement_payment_totals,
    statement_refunds,
    statement_rollup_rows,
    statement_sales,
)

__all__ = [
    "RECONCILE_BATCH",
    "StatementDifference",
    "StatementReconciliation",
    "open_outcome_differences",
    "statement_reconcile",
]

RECONCILE_BATCH = 200  # payments whose rows are read per round of queries


@dataclass(frozen=True)
class StatementReconciliation:
    date_from: date
    date_to: date
    payments_checked: int = 0
    differences: list[StatementDifference] = field(default_factory=list)


def statement_reconcile(
    *, date_from: date, date_to: date, gateway: Gateway | None = None
) -> StatementReconciliation:
    """Check every payment with activity in the period (bought, created, or a cancellation completed
    in it) against its receipt at Bootpay, and our books among themselves: amounts and tax-free parts,
    cancelled totals, status, a failed payment still holding money, each live cancellation's shares
    against its amount, the order's lines against the payment, the period's identity Σ seller net
    == Σ payments (paid in the period − cancelled in the period), and each (seller, day) the statement
    is served from (rollups) against the same computed from the raw rows (`rollup`). Changes nothing;
    an unreachable or refused lookup is reported as a difference, never raised. A bounded number of
    queries per batch of payments, plus one lookup each."""
    gateway = gateway_or_default(gateway)
    start, end = period_bounds(date_from, date_to)
    # Three index range reads (sold, created, a cancellation settled in the period) in one UNION: an OR
    # across them, with the join to cancellations, would read both tables whole for any period.
    sold = Payment.objects.filter(purchased_at__gte=start, purchased_at__lt=end)
    created = Payment.objects.filter(created_at__gte=start, created_at__lt=end)
    settled = Cancellation.objects.filter(
        state__in=[Cancellation.State.SUCCEEDED, Cancellation.State.FAILED],
        completed_at__gte=start,
        completed_at__lt=end,
    )
    active = (
        sold.order_by()
        .values_list("pk", flat=True)
        .union(created.order_by().values_list("pk", flat=True))
        .union(settled.order_by().values_list("payment_id", flat=True))
    )
    differences: list[StatementDifference] = []
    checked = 0
    pks = sorted(active)
    for offset in range(0, len(pks), RECONCILE_BATCH):
        batch = list(Payment.objects.filter(pk__in=pks[offset : offset + RECONCILE_BATCH]).order_by("pk"))
        differences += _books_differences(batch)
        for payment in batch:
            try:
                receipt = gateway.lookup_receipt(payment.receipt_id)
            except GatewayUnavailable as exc:
                differences.append(
                    StatementDifference(payment.receipt_id, "unreachable", None, None, exc.reason)
                )
                continue
            except GatewayError as exc:
                differences.append(
                    StatementDifference(payment.receipt_id, "lookup_refused", None, exc.code, exc.message)
                )
                continue
            checked += 1
            differences += _receipt_differences(payment, receipt)
    raw = raw_statement_rows(date_from, date_to)
    differences += _identity_differences(date_from, date_to, raw)
    differences += rollup_differences(date_from, date_to, raw)
    differences += open_outcome_differences(start, end)
    return StatementReconciliation(
        date_from=date_from, date_to=date_to, payments_checked=checked, differences=differences
    )


def _receipt_differences(payment: Payment, receipt: Receipt) -> list[StatementDifference]:
    found = []

    def differs(kind: str, ours: object, theirs: object, detail: str = "") -> None:
        if ours != theirs:
            found.append(StatementDifference(payment.receipt_id, kind, ours, theirs, detail))

    differs("amount", payment.amount, receipt.price)
    differs("tax_free", payment.tax_free_amount, receipt.tax_free)
    differs("cancelled_price", payment.cancelled_amount, receipt.cancelled_price)
    differs("cancelled_tax_free", payment.cancelled_tax_free_amount, receipt.cancelled_tax_free)
    if payment.status == Status.FAILED:
        money_taken = receipt.purchased_at is not None and receipt.status in (
            ReceiptStatus.PAID,
            ReceiptStatus.CANCELLED,
        )
        if money_taken and receipt.remaining_price > 0:
            found.append(
                StatementDifference(
                    payment.receipt_id, "failed_holds_money", 0, receipt.remaining_price, "failed at ours"
                )
            )
    else:
        differs("status", payment.status, status_for_receipt(receipt))
    return found


def _books_differences(payments: list[Payment]) -> list[StatementDifference]:
    """Our books among themselves, for payments that sold: lines == payment, shares == cancellation."""
    sold = {payment.pk: payment for payment in payments if payment.status in Payment.SOLD_STATUSES}
    if not sold:
        return []
    found = []
    line_total = F("unit_price") * F("quantity")
    lines = {
        row["order_id"]: row
        for row in OrderItem.objects.filter(order_id__in=[p.order_id for p in sold.values()])
        .values("order_id")
        .annotate(
            total=Coalesce(Sum(line_total), 0),
            tax_free=Coalesce(Sum(line_total, filter=Q(is_tax_free=True)), 0),
        )
        .order_by()
    }
    for payment in sold.values():
        row = lines.get(payment.order_id, {"total": 0, "tax_free": 0})
        if (row["total"], row["tax_free"]) != (payment.amount, payment.tax_free_amount):
            found.append(
                StatementDifference(
                    payment.receipt_id,
                    "lines",
                    (row["total"], row["tax_free"]),
                    (payment.amount, payment.tax_free_amount),
                    "order lines (total, tax_free) against the payment",
                )
            )
    cancellations = (
        Cancellation.objects.filter(payment_id__in=list(sold))
        .exclude(state=Cancellation.State.FAILED)
        .annotate(
            shared=Coalesce(Sum("shares__amount"), 0),
            shared_tax_free=Coalesce(Sum("shares__tax_free_amount"), 0),
        )
        .order_by("payment_id", "pk")
    )
    for cancellation in cancellations:
        ours = (cancellation.shared, cancellation.shared_tax_free)
        if ours != (cancellation.amount, cancellation.tax_free_amount):
            found.append(
                StatementDifference(
                    sold[cancellation.payment_id].receipt_id,
                    "shares",
                    ours,
                    (cancellation.amount, cancellation.tax_free_amount),
                    f"cancellation {cancellation.cancel_id}: shares (amount, tax_free) against it",
                )
            )
    return found


def open_outcome_differences(start: datetime, end: datetime) -> list[StatementDifference]:
    """Every call sent to Bootpay in the period whose outcome is open: the core's cancellations still
    `requested`, and what the capabilities built on it report (`period_open_outcomes`). A period with
    any is not clean: money may sit at Bootpay that our books do not show."""
    since = start - attempt_lease()
    found = [
        StatementDifference(
            cancellation.payment.receipt_id,
            "open_outcome",
            0,
            cancellation.amount,
            f"cancellation {cancellation.cancel_id} requested {cancellation.created_at.isoformat()}: "
            "Bootpay may have refunded it",
        )
        for cancellation in Cancellation.objects.filter(
            state=Cancellation.State.REQUESTED, created_at__gte=since, created_at__lt=end
        )
        .select_related("payment")
        .order_by("created_at", "pk")
    ]
    for _receiver, reported in period_open_outcomes.send(sender=StatementDifference, start=since, end=end):
        found += reported or []
    return found


Row = tuple[int, int, int, int, int, int]  # sales count, taxable, tax-free; refunds count, taxable, tax-free


def raw_statement_rows(date_from: date, date_to: date) -> dict[tuple[int, date], Row]:
    """{(seller, KST day): its sales and refunds} computed from the raw rows (payments × order lines,
    cancellation shares): the reference the rollups are checked against."""
    found: dict[tuple[int, date], list[int]] = {}
    for row in statement_sales(date_from, date_to):
        found.setdefault((row["seller_id"], row["day"]), [0] * 6)[0:3] = [
            row["count"],
            row["taxable"],
            row["tax_free"],
        ]
    for row in statement_refunds(date_from, date_to):
        found.setdefault((row["seller_id"], row["day"]), [0] * 6)[3:6] = [
            row["count"],
            row["amount"] - row["tax_free"],
            row["tax_free"],
        ]
    return {key: tuple(values) for key, values in found.items()}


def rollup_differences(
    date_from: date, date_to: date, raw: dict[tuple[int, date], Row] | None = None
) -> list[StatementDifference]:
    """Every (seller, day) whose statement (rollups + unfolded bookings) differs from the raw rows."""
    raw = raw_statement_rows(date_from, date_to) if raw is None else raw
    served = {
        (seller, day): tuple(rest) for seller, _name, day, *rest in statement_rollup_rows(date_from, date_to)
    }
    return [
        StatementDifference(
            "",
            "rollup",
            served.get(key, (0,) * 6),
            raw.get(key, (0,) * 6),
            f"seller {key[0]} on {key[1].isoformat()}: (sales count, taxable, tax_free, refunds count, "
            "taxable, tax_free) served against the raw rows",
        )
        for key in sorted(set(served) | set(raw))
        if served.get(key, (0,) * 6) != raw.get(key, (0,) * 6)
    ]


def _identity_differences(
    date_from: date, date_to: date, raw: dict[tuple[int, date], Row]
) -> list[StatementDifference]:
    sold, refunded = statement_payment_totals(date_from, date_to)
    taxable = sum(row[1] - row[4] for row in raw.values())
    tax_free = sum(row[2] - row[5] for row in raw.values())
    ours = (taxable + tax_free, tax_free)
    theirs = (sold.total - refunded.total, sold.tax_free - refunded.tax_free)
    if ours == theirs:
        return []
    return [
        StatementDifference(
            "", "identity", ours, theirs, "Σ seller net (total, tax_free) against the payments of the period"
        )
    ]
