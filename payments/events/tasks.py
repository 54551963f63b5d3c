"""Celery tasks of the events capability (schedules in settings.CELERY_BEAT_SCHEDULE). Idempotent and
safe on several workers: dispatch takes events under row locks; the open-outcome report records each
outcome once (its deduplication key); partner webhooks send under a lease (services/webhook_delivery)."""

from __future__ import annotations

from celery import shared_task

from payments.events.services.dispatch import events_dispatch
from payments.events.services.open_outcomes import pg_outcomes_report_open
from payments.events.services.webhook_delivery import webhook_deliveries_sweep, webhook_delivery_send


@shared_task(name="payments.events.tasks.events_dispatch_task")
def events_dispatch_task() -> int:
    """Hand new events to partner webhooks and notifications (after each commit, and as a sweep)."""
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
