"""`cash_receipt_reconcile` against the emulator through the unmodified SDK: the live receipts Bootpay holds
for an order always add up to the money kept."""

import pytest

from payments.cash_receipts.models import CashReceiptIssuance
from payments.services import payment_cancel
from tests.payments.cash_receipts.conftest import pay_cash

pytestmark = pytest.mark.django_db


def live_total(sandbox, order) -> int:
    records = sandbox.state.list_cash_receipts(order_id=order.order_id)
    total = 0
    for record in records:
        if record["status"] != "live":
            continue
        if record["kind"] == "standalone":
            total += record["price"]
        else:
            receipt = sandbox.state.get_receipt(record["receipt_id"])
            total += receipt["price"] - receipt["cancelled_price"]
    return total


def test_receipts_follow_partial_refunds_and_a_full_refund_at_the_emulator(
    bootpay, cash_order, buyer, make_user, django_capture_on_commit_callbacks
):
    staff = make_user(is_staff=True)
    order = cash_order(
        prices=(30_000, 20_000), choice={"type": "income_deduction", "identifier": "01012345678"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay_cash(bootpay, None, order, buyer=buyer)
    assert CashReceiptIssuance.objects.get(order=order).state == "issued"
    assert live_total(bootpay, order) == 50_000

    for amount, kept in ((20_000, 30_000), (5_000, 25_000), (None, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            payment_cancel(payment_pk=payment.pk, actor=staff, reason="변심", amount=amount)
        payment.refresh_from_db()
        assert payment.amount - payment.cancelled_amount == kept
        assert live_total(bootpay, order) == kept

    assert not CashReceiptIssuance.objects.filter(
        order=order, state__in=CashReceiptIssuance.LIVE_STATES
    ).exists()
