"""The beat task bodies (`payments.billing.tasks`, and the commands `charge_due_subscriptions` and
`settle_subscription_reservations` for deployments without beat)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from config.db import savepoint_if_in_transaction
from config.errors import DomainError
from payments.billing.models import Subscription
from payments.billing.services.charge import subscription_charge_period
from payments.billing.services.common import SubStatus
from payments.billing.services.outcomes import subscription_charges_mark_lost
from payments.billing.services.reservations import subscription_reservation_settle
from payments.gateway import Gateway
from payments.services.common import (
    gateway_or_default,
    logger,
)

# The reservation lookup leaves Bootpay (and its webhook) this long after the execution time first.
RESERVATION_SETTLE_AFTER = timedelta(minutes=5)


def subscriptions_charge_due(
    *,
    now: datetime | None = None,
    gateway: Gateway | None = None,
    batch_size: int = 100,
    time_budget_s: float = 180,
) -> int:
    """Charge every active or past-due subscription whose next charge (or retry) is due; returns how
    many were looked at. Safe on several workers: a subscription another worker holds is skipped
    (`skip_locked`), and a period's charge is claimed before it is sent. Stops starting new charges
    after `time_budget_s` (the rest wait for the next run), well inside the task's time limit."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    started = time.monotonic()
    subscription_charges_mark_lost(now=now)
    due = Subscription.objects.filter(
        status__in=Subscription.LIVE_STATUSES, next_charge_at__lte=now, reserve_id=""
    )
    handled = 0
    after: tuple[datetime, int] | None = None
    while time.monotonic() - started < time_budget_s:
        page = due
        if after is not None:
            page = page.filter(Q(next_charge_at__gt=after[0]) | Q(next_charge_at=after[0], pk__gt=after[1]))
        rows = list(page.order_by("next_charge_at", "pk").values_list("next_charge_at", "pk")[:batch_size])
        for _, subscription_pk in rows:
            if time.monotonic() - started >= time_budget_s:
                break
            try:
                with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                    charge = subscription_charge_period(
                        subscription_pk=subscription_pk, gateway=gateway, now=now, skip_locked=True
                    )
            except DomainError:
                continue  # cancelled meanwhile
            except Exception:  # one broken subscription must not stop the others
                logger.exception("charging subscription pk=%s failed", subscription_pk)
                continue
            handled += charge is not None
        if len(rows) < batch_size:
            break
        after = rows[-1]
    return handled


def subscriptions_settle_reservations(
    *, now: datetime | None = None, gateway: Gateway | None = None, limit: int = 200
) -> dict[str, int]:
    """Reservations past their execution time (plus a margin for Bootpay and its webhook), and those
    left on cancelled subscriptions: each looked up and applied (`subscription_reservation_settle`)."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    rows = (
        Subscription.objects.exclude(reserve_id="")
        .filter(Q(next_charge_at__lte=now - RESERVATION_SETTLE_AFTER) | Q(status=SubStatus.CANCELLED))
        .order_by("next_charge_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for subscription_pk in list(rows):
        try:
            with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                outcome = subscription_reservation_settle(subscription_pk=subscription_pk, gateway=gateway)
        except DomainError as exc:
            outcome = f"refused:{exc.code}"
        except Exception:
            logger.exception("settling the reservation of subscription pk=%s failed", subscription_pk)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
