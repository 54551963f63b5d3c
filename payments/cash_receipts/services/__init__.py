"""Cash receipt services (docs/cash-receipts.md): the buyer's choice (`requests`), the reconciler that
keeps the receipt equal to the money kept (`reconcile`), the sweep, the core's signals (`receivers`)."""

from payments.cash_receipts.services.common import CASH_METHODS, desired_receipt, payment_is_cash
from payments.cash_receipts.services.receivers import on_order_paid, on_payment_refunded
from payments.cash_receipts.services.reconcile import cash_receipt_reconcile
from payments.cash_receipts.services.requests import (
    cash_receipt_choice_clean,
    cash_receipt_request,
    on_order_created,
)
from payments.cash_receipts.services.sweep import cash_receipts_due, cash_receipts_sweep

__all__ = [
    "CASH_METHODS",
    "cash_receipt_choice_clean",
    "cash_receipt_reconcile",
    "cash_receipt_request",
    "cash_receipts_due",
    "cash_receipts_sweep",
    "desired_receipt",
    "on_order_created",
    "on_order_paid",
    "on_payment_refunded",
    "payment_is_cash",
]
