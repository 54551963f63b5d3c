"""Celery tasks of automatic payments (schedules in settings.CELERY_BEAT_SCHEDULE).

Their registered names stay `payments.tasks.…`: beat schedules and queued messages name them so.
Each is idempotent and safe on several workers at once (each period's charge is claimed under its
subscription's lock before it is sent).
"""

from __future__ import annotations

import logging

from celery import shared_task

from payments.billing.services import subscriptions_charge_due, subscriptions_settle_reservations

logger = logging.getLogger(__name__)


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
