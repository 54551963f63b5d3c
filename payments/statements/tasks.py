"""Celery tasks of the statements capability (schedule: settings.CELERY_BEAT_SCHEDULE). Safe on several
workers: one fold at a time (an advisory lock; a second finds it taken and returns)."""

from __future__ import annotations

from celery import shared_task

from payments.statements.services import rollups_fold


@shared_task(name="payments.statements.tasks.statement_rollups_fold_task")
def statement_rollups_fold_task() -> int:
    """Fold the bookings made since the last fold into their (seller, day) rollups (a batch per run)."""
    return rollups_fold()
