"""Reads of cash receipts: the staff's lists (admin) and the receipts the statements attribute to sellers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from payments.cash_receipts.models import CashReceiptIssuance


def cash_receipt_issuances_open() -> QuerySet[CashReceiptIssuance]:
    """Issuances whose outcome at Bootpay is open (sent, not answered yet)."""
    return CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.OPEN_STATES)


def cash_receipt_issuances_failed() -> QuerySet[CashReceiptIssuance]:
    return CashReceiptIssuance.objects.filter(
        state__in=(CashReceiptIssuance.State.FAILED, CashReceiptIssuance.State.CANCEL_FAILED)
    )


def cash_receipts_standing(
    *, issued_from: datetime, issued_before: datetime
) -> QuerySet[CashReceiptIssuance]:
    """Receipts standing at Bootpay as far as the ledger knows (issued; its cancel unanswered or refused),
    issued in [issued_from, issued_before): what the statements count, on the day of `issued_at`. A
    cancelled receipt is not among them (its re-issue is, on its own day). Index `cash_receipt_issued_idx`."""
    return CashReceiptIssuance.objects.filter(
        state__in=CashReceiptIssuance.STANDING_STATES, issued_at__gte=issued_from, issued_at__lt=issued_before
    )
