"""Celery tasks of the events capability (schedules in settings.CELERY_BEAT_SCHEDULE). Idempotent and
safe on several workers: dispatch takes events under row locks; the open-outcome report records each
outcome once (its deduplication key); partner webhooks send under a lease (services/webhook_delivery)."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from payments.events.services.dispatch import events_dispatch
from payments.events.services.open_outcomes import pg_outcomes_report_open
from payments.events.services.outbox import DISPATCH_QUEUED_KEY
from payments.events.services.webhook_delivery import webhook_deliveries_sweep, webhook_delivery_send


@shared_task(name="payments.events.tasks.events_dispatch_task")
def events_dispatch_task() -> int:
    """Hand new events to partner webhooks and notifications (after each commit, and as a sweep)."""
    cache.delete(DISPATCH_QUEUED_KEY)  # before reading: a commit from now on queues its own dispatch
    return events_dispatch()


@shared_task(name="payments.events.tasks.pg_outcomes_report_task")
def pg_outcomes_report_task() -> int:
    """Record `pg_outcome.open` for each PG outcome left open past its grace (staff must look)."""
    return pg_outcomes_report_open()


@shared_task(
    name="payments.events.tasks.webhook_delivery_send_task", acks_late=True, reject_on_worker_lost=True
)
def webhook_delivery_send_task(delivery_pk: int) -> str | None:
    """One attempt of one partner webhook delivery, if due and free (the lease decides; a duplicate task
    does nothing)."""
    return webhook_delivery_send(delivery_pk=delivery_pk)


@shared_task(name="payments.events.tasks.webhook_deliveries_sweep_task")
def webhook_deliveries_sweep_task() -> int:
    """Enqueue due retries and deliveries whose sender died (beat: SCHEDULE_EVENTS_WEBHOOK_SWEEP_S)."""
    return webhook_deliveries_sweep()


@shared_task(name="payments.events.tasks.notification_send_task")
def notification_send_task(notification_id: int) -> str:
    """Send one notification (after the dispatch commit, from the sweep, or as its own retry).

    The service claims the row under a lease, so a duplicate delivery of this task sends nothing. A
    transient failure schedules one retry here after the backoff; the sweep is the safety net when
    the broker loses it (or a worker restarts).
    """
    from payments.events.services.notifications import notification_send

    outcome, retry_in = notification_send(notification_id=notification_id)
    if outcome == "retry" and retry_in:
        notification_send_task.apply_async((notification_id,), countdown=retry_in)
    return outcome


@shared_task(name="payments.events.tasks.notifications_sweep_task")
def notifications_sweep_task() -> int:
    """Enqueue pending notifications that are due (lost enqueues, retries across worker restarts)."""
    from payments.events.services.notifications import notifications_send_due

    return notifications_send_due()


@shared_task(name="payments.events.tasks.events_prune_task")
def events_prune_task() -> dict[str, int]:
    """Retention (services/retention.py): attempt logs, then notifications, then events, each in bounded
    batches; safe on several workers and when run twice."""
    from payments.events.services.retention import events_prune, notifications_prune, webhook_attempts_prune

    return {
        "attempts": webhook_attempts_prune(),
        "notifications": notifications_prune(),
        "events": events_prune(),
    }
