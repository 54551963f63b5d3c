"""Celery tasks of cash receipts (the sweep's schedule: settings.CELERY_BEAT_SCHEDULE). Each takes ids,
calls one service and is safe to run twice at once (the order's lock and the issuance's lease)."""

from __future__ import annotations

import logging

from celery import shared_task

from payments.cash_receipts.services import cash_receipt_reconcile, cash_receipts_sweep

logger = logging.getLogger(__name__)


@shared_task(
    name="payments.cash_receipts.tasks.reconcile_cash_receipt", acks_late=True, reject_on_worker_lost=True
)
def reconcile_cash_receipt(order_pk: int) -> str:
    """Bring one order's receipt in line with the money kept (after a payment or a refund)."""
    return cash_receipt_reconcile(order_pk=order_pk)


@shared_task(name="payments.cash_receipts.tasks.sweep_cash_receipts")
def sweep_cash_receipts() -> dict[str, int]:
    """Open outcomes, receipts out of step with refunds, requests and self-issuances due."""
    counts = cash_receipts_sweep()
    if counts:
        logger.info("cash receipts: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
