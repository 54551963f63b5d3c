"""Celery tasks of the payments app (config/celery.py; schedules in settings.CELERY_BEAT_SCHEDULE).

Each is idempotent and safe on several workers at once: reconcile claims each cancellation it re-sends
and syncs payments under their row lock. A task run twice, or two schedules firing together, do the
work once. The webhook tasks are the webhooks capability's (payments/webhooks/tasks.py; their
registered names still start with `payments.tasks.`).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from payments.services import payment_reconcile, subscriptions_charge_due, subscriptions_settle_reservations

logger = logging.getLogger(__name__)


@shared_task(name="payments.tasks.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    """Payments and cancellations left unsettled (`manage.py reconcile`)."""
    return payment_reconcile(older_than_minutes=settings.RECONCILE_OLDER_THAN_MINUTES)


@shared_task(name="payments.tasks.charge_due_subscriptions")
def charge_due_subscriptions() -> int:
    """Charge the subscriptions whose period (or retry) is due. Each period's charge is claimed under
    its subscription's lock before it is sent, so two runs at once send it once; an unknown outcome
    is never sent again (docs/billing.md)."""
    handled = subscriptions_charge_due()
    if handled:
        logger.info("billing: %s due subscription(s) handled", handled)
    return handled


@shared_task(name="payments.tasks.settle_subscription_reservations")
def settle_subscription_reservations() -> dict[str, int]:
    """Reservations Bootpay should have run by now: book what it charged (once, however the webhook
    races), retry what failed, and cancel what cancelled subscriptions left behind."""
    counts = subscriptions_settle_reservations()
    if counts:
        logger.info("billing reservations: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
