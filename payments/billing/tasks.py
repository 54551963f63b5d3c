"""Celery tasks of automatic payments (schedules in settings.CELERY_BEAT_SCHEDULE).

Their registered names stay `payments.tasks.…`: beat schedules and queued messages name them so.
Each is idempotent and safe on several workers at once (each period's charge is claimed under its
subscription's lock before it is sent).
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

from payments.billing import metrics as billing_metrics
from payments.billing.services import (
    subscription_renew,
    subscriptions_apply_price_changes,
    subscriptions_enqueue_due,
    subscriptions_notify_upcoming,
    subscriptions_settle_reservations,
)

logger = logging.getLogger(__name__)


@shared_task(name="payments.tasks.charge_due_subscriptions")
def charge_due_subscriptions() -> int:
    """The renewal scheduler (beat): one `charge_subscription` task per due subscription not queued
    already; returns how many it enqueued (docs/billing.md, "How renewals run")."""
    enqueued = subscriptions_enqueue_due(enqueue=enqueue_renewal)
    billing_metrics.renewal_run_finished()
    if enqueued:
        logger.info("billing: %s due renewal(s) enqueued", enqueued)
    return enqueued


def enqueue_renewal(subscription_pk: int, queued: int | None) -> None:
    charge_subscription.apply_async(args=(subscription_pk, queued))


@shared_task(bind=True, name="payments.billing.tasks.charge_subscription", max_retries=None)
def charge_subscription(self, subscription_pk: int, queued: int | None = None) -> str:
    """One renewal: the subscription's due period charged once (claimed under its lock, so a duplicate
    task or a concurrent run finds it taken). Returns and logs the outcome (`charged`, `declined`,
    `unknown`, or why nothing was sent: `held`, `not_due`, …). At a ceiling nothing is claimed and the
    task re-queues itself with a countdown instead of sleeping on a worker slot (inline: it waits)."""
    while True:
        outcome = subscription_renew(subscription_pk=subscription_pk, queued=queued)
        if isinstance(outcome, str):
            billing_metrics.renewal_counted(outcome)
            logger.info("billing renewal of subscription pk=%s: %s", subscription_pk, outcome)
            return outcome
        if not self.request.is_eager:
            logger.info(
                "billing renewal of subscription pk=%s: limited, again in %.2fs",
                subscription_pk,
                outcome.wait_s,
            )
            raise self.retry(countdown=outcome.wait_s)
        time.sleep(outcome.wait_s)  # inline (no broker): nothing else waits on this process


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
