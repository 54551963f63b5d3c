"""Reads of cash receipts: the staff's lists (admin) and the statements' per-seller issued amounts."""

from __future__ import annotations

from django.db.models import QuerySet

from payments.cash_receipts.models import CashReceiptIssuance


def cash_receipt_issuances_open() -> QuerySet[CashReceiptIssuance]:
    """Issuances whose outcome at Bootpay is open (sent, not answered yet)."""
    return CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.OPEN_STATES)


def cash_receipt_issuances_failed() -> QuerySet[CashReceiptIssuance]:
    return CashReceiptIssuance.objects.filter(
        state__in=(CashReceiptIssuance.State.FAILED, CashReceiptIssuance.State.CANCEL_FAILED)
    )
