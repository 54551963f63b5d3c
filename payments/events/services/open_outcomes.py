"""`pg_outcome.open`: a call to Bootpay whose outcome we still do not know after its grace.

Timeouts and lost answers are settled by the sweeps (reconcile, billing, cash receipts) within minutes;
one still open after `EVENTS_OPEN_OUTCOME_GRACE_S` needs a person, so it becomes one event (once per
outcome: its deduplication key) that staff endpoints and staff notifications receive.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.services import order_lock
from payments.billing.models import Subscription, SubscriptionCharge
from payments.cash_receipts.models import CashReceiptIssuance
from payments.events.models import EventType
from payments.events.services.outbox import event_record, iso
from payments.models import Cancellation, EscrowRegistration


def _open_outcomes(cutoff) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in Cancellation.objects.filter(
        state=Cancellation.State.REQUESTED, created_at__lte=cutoff
    ).select_related("payment__order")[:500]:
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
    for row in EscrowRegistration.objects.filter(
        state=EscrowRegistration.State.REQUESTED, created_at__lte=cutoff
    ).select_related("payment__order")[:500]:
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
    for row in CashReceiptIssuance.objects.filter(
        state__in=CashReceiptIssuance.OPEN_STATES, created_at__lte=cutoff
    ).select_related("order")[:500]:
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
    for row in SubscriptionCharge.objects.filter(
        state__in=SubscriptionCharge.OPEN_STATES, updated_at__lte=cutoff
    ).select_related("order", "subscription__product")[:500]:
        found.append(
            {
                "kind": "subscription_charge",
                "ref": f"{row.subscription.subscription_id}:{row.period}",
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
