"""Celery tasks of Bootpay's webhooks (config/celery.py; the sweep's schedule in
settings.CELERY_BEAT_SCHEDULE). Registered under their names from before the webhooks had a folder of
their own (`name=`), so queued messages, the beat schedule and workers' routes keep working.

Each is idempotent and safe on several workers at once: a round claims its receipt
(payments/webhooks/services.py), so a task run twice, or the sweep racing a task, processes once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from payments.gateway import GatewayUnavailable
from payments.webhooks.retention import webhook_deliveries_prune
from payments.webhooks.services import webhook_process_outcome, webhooks_dispatch, webhooks_process_pending

logger = logging.getLogger(__name__)


def retry_countdown(retries: int) -> int:
    """Seconds before retry number `retries + 1`: exponential from WEBHOOK_RETRY_BACKOFF_S, full jitter."""
    return get_exponential_backoff_interval(
        factor=settings.WEBHOOK_RETRY_BACKOFF_S,
        retries=retries,
        maximum=settings.WEBHOOK_RETRY_BACKOFF_MAX_S,
        full_jitter=True,
    )


@shared_task(bind=True, name="payments.tasks.process_webhook_delivery", max_retries=None)
def process_webhook_delivery(self: Any, delivery_pk: int) -> str | None:
    """Re-fetch the delivery's receipt and sync our records (with every other waiting delivery of it).

    Bootpay unavailable (the outcome of the lookup unknown): the delivery is recorded `failed` and the
    task retried with exponential backoff, up to WEBHOOK_MAX_RETRIES times; then the sweep retries it.
    A definite answer (processed, a refusal, an unknown receipt, a Bootpay error code) is never retried.
    Returns the delivery's state, or None when another round had it (or already processed it).
    """
    try:
        outcome = webhook_process_outcome(
            delivery_pk=delivery_pk, retry_failed=self.request.retries > 0, raise_unavailable=True
        )
    except GatewayUnavailable as exc:
        if self.request.retries >= settings.WEBHOOK_MAX_RETRIES:
            logger.warning(
                "webhook delivery %s: Bootpay still unavailable after %s retries; left for the sweep",
                delivery_pk,
                self.request.retries,
            )
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from None
    return outcome


@shared_task(name="payments.webhooks.tasks.dispatch_webhook_deliveries")
def dispatch_webhook_deliveries() -> int:
    """Enqueue `process_webhook_delivery` for the deliveries stored since the last dispatch, one per
    receipt (queued by the endpoint once per burst, after the delivery's commit)."""
    return webhooks_dispatch()


@shared_task(name="payments.tasks.sweep_webhook_deliveries")
def sweep_webhook_deliveries(limit: int = 500) -> dict[str, int]:
    """Deliveries no task finished: left `received` past a grace period (the broker was down, a task
    was lost), claims of crashed workers, and failures due for another attempt."""
    counts = webhooks_process_pending(
        include_failed=True,
        limit=limit,
        grace=timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_S),
        failed_after=timedelta(seconds=settings.WEBHOOK_SWEEP_FAILED_AFTER_S),
        max_attempts=settings.WEBHOOK_SWEEP_MAX_ATTEMPTS,
    )
    if counts:
        logger.info("webhook sweep: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts


@shared_task(name="payments.webhooks.tasks.prune_webhook_deliveries")
def prune_webhook_deliveries() -> int:
    """Delete done deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS, in bounded batches (retention.py)."""
    return webhook_deliveries_prune()
