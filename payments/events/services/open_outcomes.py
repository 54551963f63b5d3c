"""`pg_outcome.open`: a call to Bootpay whose outcome we still do not know after its grace.

Timeouts and lost answers are settled by the sweeps (reconcile, billing, cash receipts) within minutes;
one still open after `EVENTS_OPEN_OUTCOME_GRACE_S` needs a person, so it becomes one event (once per
outcome: its deduplication key) that staff endpoints and staff notifications receive.

Each run looks at the oldest open outcomes not reported yet, at most `LIMIT` of each kind: an outage with
more of them reports them all over the next runs, and one already reported is neither read nor locked
again. A subscription charge's reference names its attempt: a staff "charge again" whose outcome is
unknown again is a new outcome, reported again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from orders.services import order_lock
from payments.billing.models import Subscription, SubscriptionCharge
from payments.cash_receipts.models import CashReceiptIssuance
from payments.events.models import Event, EventType
from payments.events.services.outbox import event_record, iso
from payments.models import Cancellation, EscrowRegistration

LIMIT = 500  # of each kind per run, oldest first


def _field(name: str) -> Cast:
    return Cast(OuterRef(name), output_field=CharField())


def _unreported(rows: QuerySet, *key: str | Cast) -> QuerySet:
    """`rows` less those already reported: whose event's dedup key, `pg_outcome.open:<kind>:<ref>` as
    `pg_outcomes_report_open` builds it, exists. `key`: its parts (text, or `_field` of the row)."""
    parts = [Value(f"{EventType.PG_OUTCOME_OPEN}:"), *(Value(p) if isinstance(p, str) else p for p in key)]
    dedup_key = Concat(*parts, output_field=CharField())
    return rows.exclude(Exists(Event.objects.filter(dedup_key=dedup_key)))


def open_outcome_sources() -> dict[str, tuple[QuerySet, str]]:
    """Each kind of call to Bootpay whose outcome we do not know yet: its rows, and the field saying since
    when it is open. The one definition: read by the report below and by payments/events/metrics.py."""
    return {
        "refund": (Cancellation.objects.filter(state=Cancellation.State.REQUESTED), "created_at"),
        "escrow_registration": (
            EscrowRegistration.objects.filter(state=EscrowRegistration.State.REQUESTED),
            "created_at",
        ),
        "cash_receipt": (
            CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.OPEN_STATES),
            "created_at",
        ),
        "subscription_charge": (
            SubscriptionCharge.objects.filter(state__in=SubscriptionCharge.OPEN_STATES),
            "updated_at",
        ),
    }


def _open_since(kind: str, cutoff) -> QuerySet:
    rows, since = open_outcome_sources()[kind]
    return rows.filter(**{f"{since}__lte": cutoff})


def _open_outcomes(cutoff) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    refunds = _open_since("refund", cutoff)
    for row in (
        _unreported(refunds, "refund:", _field("cancel_id"))
        .select_related("payment__order")
        .order_by("created_at", "pk")[:LIMIT]
    ):
        found.append(
            {
                "kind": "refund",
                "ref": row.cancel_id,
                "order": row.payment.order,
                "since": row.created_at,
                "amount": row.amount,
                "payment_id": row.payment.public_id,
            }
        )
    escrows = _open_since("escrow_registration", cutoff)
    for row in (
        _unreported(escrows, "escrow_registration:", _field("pk"))
        .select_related("payment__order")
        .order_by("created_at", "pk")[:LIMIT]
    ):
        found.append(
            {
                "kind": "escrow_registration",
                "ref": str(row.pk),
                "order": row.payment.order,
                "since": row.created_at,
                "amount": None,
                "payment_id": row.payment.public_id,
            }
        )
    receipts = _open_since("cash_receipt", cutoff)
    for row in (
        _unreported(receipts, "cash_receipt_", _field("state"), ":", _field("pk"))
        .select_related("order")
        .order_by("created_at", "pk")[:LIMIT]
    ):
        found.append(
            {
                "kind": f"cash_receipt_{row.state}",
                "ref": str(row.pk),
                "order": row.order,
                "since": row.created_at,
                "amount": row.amount,
                "payment_id": None,
            }
        )
    charges = _open_since("subscription_charge", cutoff)
    charge_ref = (_field("subscription__subscription_id"), ":", _field("period"), ":", _field("attempts"))
    for row in (
        _unreported(charges, "subscription_charge:", *charge_ref)
        .select_related("order", "subscription__product")
        .order_by("updated_at", "pk")[:LIMIT]
    ):
        found.append(
            {
                "kind": "subscription_charge",
                # Its attempt too: each charge again whose outcome is open again is reported again.
                "ref": f"{row.subscription.subscription_id}:{row.period}:{row.attempts}",
                "order": row.order,
                "since": row.sent_at or row.updated_at,
                "amount": row.order.total_amount if row.order else None,
                "payment_id": None,
                "subscription": row.subscription,
            }
        )
    return found


def pg_outcomes_report_open(*, now=None) -> int:
    """Record one `pg_outcome.open` per outcome open past the grace. Returns how many were looked at."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.EVENTS_OPEN_OUTCOME_GRACE_S)
    outcomes = _open_outcomes(cutoff)
    for outcome in outcomes:
        order = outcome["order"]
        subscription = outcome.get("subscription")
        data = {
            "kind": outcome["kind"],
            "reference": outcome["ref"],
            "order_id": order.order_id if order else None,
            "payment_id": outcome["payment_id"],
            "subscription_id": subscription.subscription_id if subscription else None,
            "amount": outcome["amount"],
            "open_since": iso(outcome["since"]),
        }
        with transaction.atomic():
            if subscription is not None:
                Subscription.objects.select_for_update(of=("self",)).filter(pk=subscription.pk).first()
                aggregate = f"subscription:{subscription.subscription_id}"
            else:
                order = order_lock(order_pk=order.pk)
                aggregate = f"order:{order.order_id}"
            event_record(
                type=EventType.PG_OUTCOME_OPEN,
                dedup_key=f"{EventType.PG_OUTCOME_OPEN}:{outcome['kind']}:{outcome['ref']}",
                aggregate=aggregate,
                order=order,
                seller_id=subscription.product.seller_id if subscription else None,
                data=data,
            )
    return len(outcomes)
