"""The sweep (beat task and command): find the orders whose receipt needs a step and reconcile each.

No correctness depends on the broker: a trigger lost between commit and enqueue (`order_paid`,
`payment_refunded`) is found here. Candidates:
- an open issuance (`requested` / `cancel_requested`) whose lease ran out (a lost answer, a dead worker);
- a live issued receipt whose amount differs from the money the payment keeps (a refund);
- a paid cash sale of the last CASH_RECEIPT_SWEEP_DAYS with no live receipt, that someone asked a
  receipt for (and Bootpay has not refused), or that is due for self-issuance (자진발급) — also when
  Bootpay refused the buyer's number, since the law wants a sale of ≥ 100,000 won receipted anyway. Any
  other refusal (a self-issuance's, a smaller sale's) waits for staff: the sweep leaves the order alone.
Each order is reconciled under its own lock: two sweeps at once issue once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.db import savepoint_if_in_transaction
from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest, CashReceiptType
from payments.cash_receipts.services.common import CASH_METHODS, HOLDING_STATUSES, logger
from payments.cash_receipts.services.reconcile import cash_receipt_reconcile
from payments.gateway import Gateway
from payments.models import Payment
from payments.services.common import attempt_lease

State = CashReceiptIssuance.State


def cash_receipts_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Order pks whose receipt needs a step (see the module docstring), oldest first."""
    now = now or timezone.now()
    stale = now - attempt_lease()
    open_rows = CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.OPEN_STATES).filter(
        Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=stale)
    )
    out_of_step = CashReceiptIssuance.objects.filter(state=State.ISSUED).exclude(
        amount=F("payment__amount") - F("payment__cancelled_amount")
    )
    horizon = now - timedelta(days=max(settings.CASH_RECEIPT_REQUEST_DAYS, 5) + 2)
    grace = now - settings.CASH_RECEIPT_SELF_ISSUE_AFTER
    rows = CashReceiptIssuance.objects.filter(order=OuterRef("order"))
    standing = rows.filter(Q(state__in=CashReceiptIssuance.LIVE_STATES) | Q(state=State.CANCEL_FAILED))
    refused = Exists(rows.filter(state=State.FAILED))
    asked = CashReceiptRequest.objects.filter(order=OuterRef("order")).exclude(type=CashReceiptType.NONE)
    minimum = settings.CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT
    latest = rows.order_by("-pk")
    # What the reconciler does with the order's latest row refused: a buyer's number on a sale the law wants
    # receipted goes to the tax office's number (`fallback`); anything else waits for staff (`stuck`), so
    # the sweep leaves it alone rather than pick it every time for nothing.
    fallback = Q(amount__gte=minimum, last_state=State.FAILED, last_self_issued=False)
    stuck = Q(last_state=State.FAILED) & ~fallback
    unissued = (
        Payment.objects.filter(
            method__in=CASH_METHODS, status__in=HOLDING_STATUSES, purchased_at__gte=horizon
        )
        .exclude(Exists(standing))
        .annotate(
            last_state=Coalesce(Subquery(latest.values("state")[:1]), Value("")),
            last_self_issued=Coalesce(Subquery(latest.values("self_issued")[:1]), Value(False)),
        )
        .filter(
            (Exists(asked) & ~refused)
            | Q(amount__gte=minimum, purchased_at__lte=grace)
            # a sale the law wants receipted whose buyer's number Bootpay refused: the tax office's number
            | fallback
        )
        .exclude(stuck)
    )
    found: list[int] = []
    for queryset in (
        open_rows.values_list("order_id", flat=True),
        out_of_step.values_list("order_id", flat=True),
        unissued.values_list("order_id", flat=True),
    ):
        for order_pk in queryset.order_by("order_id")[:limit]:
            if order_pk not in found:
                found.append(order_pk)
    return found[:limit]


def cash_receipts_sweep(*, gateway: Gateway | None = None, now: datetime | None = None) -> dict[str, int]:
    """Reconcile every order `cash_receipts_due` finds; counts per outcome. One order's failure is
    logged and the sweep goes on."""
    counts: dict[str, int] = {}
    for order_pk in cash_receipts_due(now=now):
        try:
            with savepoint_if_in_transaction():
                outcome = cash_receipt_reconcile(order_pk=order_pk, gateway=gateway, now=now)
        except Exception:
            logger.exception("cash receipt sweep: order failed", extra={"order": order_pk})
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
