"""Reconcile: re-check what we left unsettled (timeouts, crashes, lost notices) against Bootpay.

A statement period's books against Bootpay's receipts (`statement_reconcile`) is the statements
capability's (payments/statements/reconcile.py); the hook it sends to ask the capabilities for their
open outcomes, and the difference type they answer with, are defined here (see below)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.dispatch import Signal
from django.utils import timezone

from payments.gateway import Gateway
from payments.models import Cancellation, Payment
from payments.services.common import Actor, Status, gateway_or_default, lookup_or_none
from payments.services.escrow import escrow_registrations_retry
from payments.services.settle import cancellation_claim, cancellation_execute
from payments.services.sync import payment_sync_from_receipt


def payment_reconcile(
    *, older_than_minutes: int = 10, actor_label: str = "reconcile", gateway: Gateway | None = None
) -> dict[str, int]:
    """Re-check unsettled payments and cancellations against the PG and fix our records.

    Payments still `ready`/`awaiting_*` and cancellations left `requested` (timeouts, crashes) older
    than the cut-off are looked up; a requested cancel is sent again with the same cancel_id, which
    the PG deduplicates (by replaying its result or refusing the repeat). Each payment whose cancels
    were settled is then re-synced from a fresh receipt, so our cancelled totals and tax-free parts
    end equal to Bootpay's whatever it answered. Escrow shipment registrations left `requested` are
    sent again too. Safe on several workers: a cancellation or registration another request is sending
    right now is skipped.
    """
    gateway = gateway_or_default(gateway)
    actor = Actor(label=actor_label)
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    counts = {"payments_checked": 0, "cancellations_checked": 0, "unreachable": 0, "in_progress": 0}
    # Money owed back first: requested cancels are re-sent before the (unbounded) look-ups of stale
    # payments, so a slow PG cannot keep a run from ever reaching them.
    stale_cancellations = Cancellation.objects.filter(
        state=Cancellation.State.REQUESTED, created_at__lte=cutoff
    ).order_by("payment_id", "created_at", "pk")
    settled_payments: dict[int, str] = {}
    for cancellation in stale_cancellations.select_related("payment"):
        if not cancellation_claim(cancellation):
            counts["in_progress"] += 1
            continue
        # Asking again with the same cancel_id is safe (the PG deduplicates it) and, unlike comparing
        # totals, tells which of several in-flight cancellations went through.
        counts["cancellations_checked"] += 1
        settled = cancellation_execute(cancellation, actor=actor, gateway=gateway, raise_on_failure=False)
        if settled.state == Cancellation.State.REQUESTED:
            counts["unreachable"] += 1
        else:
            settled_payments[cancellation.payment_id] = cancellation.payment.receipt_id
    for receipt_id in settled_payments.values():
        if (receipt := lookup_or_none(receipt_id, gateway=gateway)) is not None:
            payment_sync_from_receipt(receipt=receipt, actor=actor, gateway=gateway)
    # Escrow shipments Bootpay never answered about: sent again (a refusal as "already started" with the
    # receipt showing the shipment counts as registered).
    escrow = escrow_registrations_retry(cutoff=cutoff, actor=actor, gateway=gateway)
    counts["escrow_checked"] = escrow["escrow_checked"]
    counts["unreachable"] += escrow["unreachable"]
    counts["in_progress"] += escrow["in_progress"]
    stale_payments = Payment.objects.filter(
        status__in=[Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT], updated_at__lte=cutoff
    ).values_list("receipt_id", flat=True)
    # A failed payment whose refund or withdrawal Bootpay refused lately may still hold money (an
    # approval confirmed while being withdrawn): its sync sends the refund again.
    refused_lately = (
        Payment.objects.filter(
            status=Status.FAILED,
            cancellations__state=Cancellation.State.FAILED,
            cancellations__completed_at__lte=cutoff,
            cancellations__completed_at__gte=cutoff - timedelta(days=1),
        )
        .exclude(cancellations__state=Cancellation.State.REQUESTED)
        .values_list("receipt_id", flat=True)
        .distinct()
    )
    for receipt_id in [*stale_payments, *refused_lately]:
        receipt = lookup_or_none(receipt_id, gateway=gateway)
        if receipt is None:
            counts["unreachable"] += 1
            continue
        payment_sync_from_receipt(receipt=receipt, actor=actor, gateway=gateway)
        counts["payments_checked"] += 1
    return counts


# --- The open-outcome hook (the statement reconciliation asks; capabilities answer) ------------------
# Defined in the core, not in payments.statements: billing connects to it (wired today in
# payments.apps) and returns `StatementDifference`s, and the core may not import a capability. The
# statements capability sends it (`payments.statements.reconcile.open_outcome_differences`).


@dataclass(frozen=True)
class StatementDifference:
    """One thing our books and Bootpay's (or our books among themselves) disagree on.

    kind: amount, tax_free, cancelled_price, cancelled_tax_free, status, failed_holds_money, shares,
    lines, identity (the period's Σ seller net against its payments; no receipt), unreachable
    (Bootpay gave no answer), lookup_refused (Bootpay refused the lookup) or open_outcome (a call to
    Bootpay sent in the period whose outcome we do not know: money may sit there unbooked)."""

    receipt_id: str
    kind: str
    ours: object
    theirs: object
    detail: str = ""

    def __str__(self) -> str:
        where = self.receipt_id or "(period)"
        text = f"{where} {self.kind}: ours={self.ours} theirs={self.theirs}"
        return f"{text} ({self.detail})" if self.detail else text


# Sent with `start` and `end` (a statement period's bounds, widened by a call's lease at the start) by
# the statement reconciliation; a receiver returns the `StatementDifference`s (kind `open_outcome`) of the
# calls its capability sent to Bootpay in that window whose outcome is still open (billing: its charges).
period_open_outcomes = Signal()
