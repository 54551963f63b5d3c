"""Pruning of Bootpay's webhook deliveries (docs/scaling.md "Retention"; task: `prune_webhook_deliveries`).

A delivery is evidence of what Bootpay told us: it is kept WEBHOOK_DELIVERY_RETENTION_DAYS after it was
received, and only one that is done goes: `processed`, or `invalid` (no receipt id in it). Deliveries
still waiting, claimed, failed or `unmatched` (no payment knows the receipt: someone must look) are never
pruned. The money's own record is the payment's event log (PaymentEvent), never pruned.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from config.retention import delete_in_batches
from payments.models import WebhookDelivery

DONE = (WebhookDelivery.State.PROCESSED, WebhookDelivery.State.INVALID)


def webhook_deliveries_prunable(*, retention: timedelta) -> QuerySet[WebhookDelivery]:
    """Done deliveries received before `retention` ago (read through the (state, received_at) index)."""
    return WebhookDelivery.objects.filter(state__in=DONE, received_at__lt=timezone.now() - retention)


def webhook_deliveries_prune(*, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Delete done deliveries past their retention, in bounded batches; how many went. Safe on several
    workers and when run twice (config/retention.py)."""
    return delete_in_batches(
        webhook_deliveries_prunable(retention=timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)),
        batch_size=batch_size or settings.PRUNE_BATCH_SIZE,
        max_batches=max_batches or settings.PRUNE_MAX_BATCHES,
    )
