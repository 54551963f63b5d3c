"""`cash_receipt_reconcile` against the emulator through the unmodified SDK: the live receipts Bootpay holds
for an order always add up to the money kept."""

import pytest

from payments.cash_receipts.models import CashReceiptIssuance
from payments.services import payment_cancel
from tests.payments.cash_receipts.conftest import pay_cash

# Partial refunds of cash-like payments need a PG contract that takes them (docs/cancellations.md).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partial_refunds_of_cash_payments")]


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


def issued_at_bootpay(sandbox, order) -> int:
    """What Bootpay's live cash receipts of the order were issued for (each record's own amount)."""
    records = sandbox.state.list_cash_receipts(order_id=order.order_id)
    return sum(record["price"] for record in records if record["status"] == "live")


def test_a_lost_publish_answer_found_after_a_partial_refund_is_reissued_for_the_money_kept(
    bootpay, cash_order, buyer, make_user, django_capture_on_commit_callbacks
):
    # The publish reached Bootpay (30,000 issued) but its answer was lost; a partial refund comes before
    # the retry. The retry finds the receipt by looking the payment up: the payment now holds 20,000, but
    # the cash receipt standing is still the one of 30,000, so it must be cancelled and re-issued.
    staff = make_user(is_staff=True)
    order = cash_order(prices=(30_000,), choice={"type": "income_deduction", "identifier": "01012345678"})
    bootpay.state.add_fault("request/receipt/cash/publish", "lost_answer", times=1)
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay_cash(bootpay, None, order, buyer=buyer)
    assert CashReceiptIssuance.objects.get(order=order).state == "requested"
    assert issued_at_bootpay(bootpay, order) == 30_000

    with django_capture_on_commit_callbacks(execute=True):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="변심", amount=10_000)

    live = CashReceiptIssuance.objects.filter(order=order, state__in=CashReceiptIssuance.LIVE_STATES)
    assert [row.amount for row in live] == [20_000]
    assert issued_at_bootpay(bootpay, order) == 20_000
