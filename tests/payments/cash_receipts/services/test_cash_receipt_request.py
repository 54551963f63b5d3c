"""`cash_receipt_request`: a buyer's request or change after payment, against the emulator through the
unmodified SDK."""

import pytest

from payments.cash_receipts.models import CashReceiptIssuance
from payments.cash_receipts.services import cash_receipt_request, cash_receipts_sweep
from tests.payments.cash_receipts.conftest import pay_cash

pytestmark = pytest.mark.django_db


def test_a_change_to_a_number_bootpay_refuses_never_leaves_the_sale_without_a_receipt(
    bootpay, cash_order, buyer, django_capture_on_commit_callbacks
):
    order = cash_order(prices=(150_000,), choice={"type": "income_deduction", "identifier": "01012345678"})
    with django_capture_on_commit_callbacks(execute=True):
        pay_cash(bootpay, None, order, buyer=buyer)
    assert CashReceiptIssuance.objects.get(order=order).state == "issued"

    # Bootpay refuses the new number (a rule of its own we cannot check first): the old receipt is
    # already cancelled by then, and the law wants this sale receipted. (Once: a refusal of the tax
    # office's number too would wait for staff, not be sent again on every step and sweep.)
    bootpay.state.add_fault(
        path="request/cash/receipt", mode="error_code", error_code="RC_CASH_RECEIPT_FAILED", times=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        cash_receipt_request(
            order_pk=order.pk, actor=buyer, type="income_deduction", identifier="1234567890123456789"
        )
    bootpay.state.clear_faults()
    cash_receipts_sweep()

    live = [r for r in bootpay.state.list_cash_receipts(order_id=order.order_id) if r["status"] == "live"]
    assert sum(record["price"] for record in live) == 150_000
    assert [record["identifier_last4"] for record in live] == ["1234"]  # 010-000-1234, the tax office's
    assert cash_receipts_sweep() == {}  # settled: nothing more to do
