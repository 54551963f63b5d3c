"""The core's signals, answered after commit: the receipt follows the money (docs/cash-receipts.md).

Both signals are sent under the order's (and payment's) row lock inside the booking transaction: the
receivers only enqueue the reconcile for after the commit (Celery, eager without REDIS_URL), so no
Bootpay call happens under those locks, and a rolled-back booking enqueues nothing. A lost enqueue is
found by the sweep.
"""

from __future__ import annotations

from django.db import transaction

from orders.models import Order


def _enqueue(order_pk: int) -> None:
    from payments.cash_receipts.tasks import reconcile_cash_receipt

    # robust: a failing enqueue (broker down) or an eager run's error never fails the booking that
    # committed; the sweep finds the order.
    transaction.on_commit(lambda: reconcile_cash_receipt.delay(order_pk), robust=True)


def on_order_paid(sender, *, order: Order, **kwargs) -> None:
    _enqueue(order.pk)


def on_payment_refunded(sender, *, order: Order, **kwargs) -> None:
    _enqueue(order.pk)
