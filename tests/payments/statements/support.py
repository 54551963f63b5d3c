"""Helpers of the statement tests."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

from payments.models import Payment
from payments.statements.services import payments_rebook

KST = ZoneInfo("Asia/Seoul")


def kst(day: date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=KST)


def kst_today() -> date:
    return timezone.localtime(timezone.now(), KST).date()


def shares_of(cancellation) -> dict[int, tuple[int, int]]:
    """{seller pk: (amount, tax_free)} of a cancellation's shares."""
    return {s.seller_id: (s.amount, s.tax_free_amount) for s in cancellation.shares.all()}


def move_sale_to(payment: Payment, moment: datetime) -> None:
    """The payment was made at `moment` (ours and Bootpay's books alike); its bookings follow."""
    Payment.objects.filter(pk=payment.pk).update(purchased_at=moment, created_at=moment, updated_at=moment)
    rebook(payment)


def rebook(*payments: Payment) -> None:
    """After a test moved a payment's or a cancellation's instant with a bare UPDATE (no service, no
    signal): its sale and refunds are booked again from the raw rows, as the repair command does."""
    payments_rebook([payment.pk for payment in payments])
