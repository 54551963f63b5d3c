"""Celery tasks of automatic payments (schedules in settings.CELERY_BEAT_SCHEDULE).

Their registered names stay `payments.tasks.…`: beat schedules and queued messages name them so.
Each is idempotent and safe on several workers at once (each period's charge is claimed under its
subscription's lock before it is sent).
"""

from __future__ import annotations

import logging

from celery import shared_task

from payments.billing.services import (
    subscriptions_apply_price_changes,
    subscriptions_charge_due,
    subscriptions_notify_upcoming,
    subscriptions_settle_reservations,
)

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


@shared_task(name="payments.billing.tasks.notify_upcoming_charges")
def notify_upcoming_charges() -> int:
    """The legal notice of a paid charge after a free trial, at least 7 days ahead: once per period,
    however often or on however many workers this runs (docs/billing.md, "Notices the law requires")."""
    recorded = subscriptions_notify_upcoming()
    if recorded:
        logger.info("billing: %s upcoming-charge notice(s) recorded", recorded)
    return recorded


@shared_task(name="payments.billing.tasks.apply_price_changes")
def apply_price_changes() -> dict[str, int]:
    """Price changes of reserved subscriptions: a standing reservation a non-consented cancel would charge
    is revoked, and a change whose answer is known is settled and its period reserved at the agreed price
    (charged subscriptions are settled by their next claim; docs/billing.md, "Reserved mode")."""
    counts = subscriptions_apply_price_changes()
    if counts:
        logger.info("billing price changes: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
