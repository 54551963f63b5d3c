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

from payments.services import payment_reconcile

logger = logging.getLogger(__name__)


@shared_task(name="payments.tasks.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    """Payments and cancellations left unsettled (`manage.py reconcile`)."""
    return payment_reconcile(older_than_minutes=settings.RECONCILE_OLDER_THAN_MINUTES)
