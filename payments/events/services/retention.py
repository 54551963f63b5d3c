"""Pruning of the outbox and what hangs on it (docs/scaling.md "Retention"; tasks in events/tasks.py).

What may go, each past its own retention, in bounded batches (config/retention.py):
- partner webhook delivery attempts (the HTTP log) of deliveries that are final (`succeeded`, `failed`):
  EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS; the delivery keeps its summary (state, last status, attempts);
- notifications that are final (`sent`, `skipped`, `failed`) and not legal notices:
  EVENTS_NOTIFICATION_RETENTION_DAYS. A legal notice is evidence the law asks for: never pruned here;
- events dispatched EVENTS_RETENTION_DAYS ago or more whose partner deliveries are all final and whose
  notifications are all final and none a legal notice; they go with their deliveries and notifications.

Never pruned: an event not dispatched yet, a pending delivery or notification, and the money's own record
(payments, cancellations, the payment event log PaymentEvent). Consequences for readers: the catch-up list
(`GET /api/v1/events/?after=<event_id>`) answers 400 for a pruned event id, so a partner must catch up
within the retention; a fact recorded again after its event was pruned (its deduplication key is free
again) would be a new event: the retention must outlast any retry that can record one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.retention import delete_in_batches
from payments.events.models import Event, Notification, WebhookDeliveryAttempt, WebhookEndpointDelivery

DELIVERY_FINAL = (WebhookEndpointDelivery.State.SUCCEEDED, WebhookEndpointDelivery.State.FAILED)
NOTIFICATION_FINAL = (Notification.State.SENT, Notification.State.SKIPPED, Notification.State.FAILED)


def _before(days: int):
    return timezone.now() - timedelta(days=days)


def webhook_attempts_prunable(*, days: int) -> QuerySet[WebhookDeliveryAttempt]:
    return WebhookDeliveryAttempt.objects.filter(
        started_at__lt=_before(days), delivery__state__in=DELIVERY_FINAL
    )


def notifications_prunable(*, days: int) -> QuerySet[Notification]:
    return Notification.objects.filter(
        state__in=NOTIFICATION_FINAL, legal=False, created_at__lt=_before(days)
    )


def events_prunable(*, days: int) -> QuerySet[Event]:
    unfinished_delivery = WebhookEndpointDelivery.objects.filter(event=OuterRef("pk")).exclude(
        state__in=DELIVERY_FINAL
    )
    kept_notification = Notification.objects.filter(event=OuterRef("pk")).filter(
        ~Q(state__in=NOTIFICATION_FINAL) | Q(legal=True)
    )
    return Event.objects.filter(sequence__gt=0, created_at__lt=_before(days)).exclude(
        Exists(unfinished_delivery) | Exists(kept_notification)
    )


def _events_delete(pks: Sequence[int]) -> int:
    """One locked batch of events, with their deliveries (and attempts) and notifications. The deliveries
    are locked and read again: a replay that made one pending since the batch was chosen keeps its event."""
    deliveries = WebhookEndpointDelivery.objects.select_for_update().filter(event_id__in=pks)
    replayed = {
        event_id
        for event_id, state in deliveries.values_list("event_id", "state")
        if state not in DELIVERY_FINAL
    }
    gone = [pk for pk in pks if pk not in replayed]
    WebhookEndpointDelivery.objects.filter(event_id__in=gone).delete()  # their attempts cascade
    Notification.objects.filter(event_id__in=gone).delete()  # their sandbox copies cascade
    _, per_model = Event.objects.filter(pk__in=gone).delete()  # their audience rows cascade
    return per_model.get(Event._meta.label, 0)


def _batches() -> dict[str, int]:
    return {"batch_size": settings.PRUNE_BATCH_SIZE, "max_batches": settings.PRUNE_MAX_BATCHES}


def webhook_attempts_prune() -> int:
    """Delete attempt logs of final deliveries past EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS; how many went."""
    return delete_in_batches(
        webhook_attempts_prunable(days=settings.EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS), **_batches()
    )


def notifications_prune() -> int:
    """Delete final, non-legal notifications past EVENTS_NOTIFICATION_RETENTION_DAYS; how many went."""
    return delete_in_batches(
        notifications_prunable(days=settings.EVENTS_NOTIFICATION_RETENTION_DAYS), **_batches()
    )


def events_prune() -> int:
    """Delete finished events past EVENTS_RETENTION_DAYS with what hangs on them; how many events went."""
    return delete_in_batches(
        events_prunable(days=settings.EVENTS_RETENTION_DAYS), delete=_events_delete, **_batches()
    )
