"""Celery tasks of the orders app (schedule in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from orders.services import order_expire_unpaid


@shared_task(name="orders.tasks.expire_unpaid_orders")
def expire_unpaid_orders(batch_size: int = 200) -> int:
    """Expire every unpaid order past its deadline, in batches (`manage.py expire_unpaid_orders`).

    Safe on several workers and when the schedule fires twice: each order is expired under its row
    lock, rows another run holds are skipped.
    """
    return len(order_expire_unpaid(batch_size=batch_size))
