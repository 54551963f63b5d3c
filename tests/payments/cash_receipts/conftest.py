"""Fixtures of the cash receipt tests: the emulator's payments with Bootpay's cash receipts in memory."""

import pytest

from payments import gateway as bootpay_gateway
from tests.payments.cash_receipts.cash_receipt_fakes import CashReceiptBootpay

PHONE = "01012345678"
BUSINESS = "1208147521"  # a valid business registration number (check digit 1)


@pytest.fixture
def cash_bootpay(bootpay, make_gateway):
    fake = CashReceiptBootpay(make_gateway(timeout_s=1.0))
    bootpay_gateway.set_gateway(fake)
    yield fake
    bootpay_gateway.set_gateway(None)


@pytest.fixture
def cash_order(buyer, make_product):
    """An order with a checkout cash receipt choice (None: no choice)."""
    from orders.services import OrderLine, order_create

    def make(*, prices=(10_000,), choice=None, user=None):
        lines = [OrderLine(make_product(price=price).pk, 1) for price in prices]
        options = {} if choice is None else {"cash_receipt": choice}
        return order_create(buyer=user or buyer, lines=lines, options=options)

    return make


def pay_cash(sandbox, fake, order, *, buyer, method="bank"):
    """Pay an order by bank transfer (or a deposited virtual account) at the emulator and book it."""
    from payments.services import payment_reconcile, payment_verify

    state = "vbank_issued" if method == "vbank" else "paid"
    receipt = sandbox.state.create_receipt(
        order_id=order.order_id,
        price=order.total_amount,
        tax_free=order.tax_free_amount,
        order_name=order.order_name,
        method=method,
        state=state,
    )
    payment = payment_verify(
        order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=buyer, gateway=fake
    )
    if method == "vbank":
        sandbox.state.deposit(receipt["receipt_id"])
        payment_reconcile(older_than_minutes=0, gateway=fake)
    payment.refresh_from_db()
    return payment


@pytest.fixture
def paid_cash(bootpay, cash_bootpay, buyer, django_capture_on_commit_callbacks):
    """`paid_cash(order)`: paid and booked; the `order_paid` reconcile runs as after a commit."""

    def pay(order, *, method="bank", run_hooks=True):
        with django_capture_on_commit_callbacks(execute=run_hooks):
            return pay_cash(bootpay, cash_bootpay, order, buyer=order.buyer, method=method)

    return pay


@pytest.fixture
def refund(cash_bootpay, django_capture_on_commit_callbacks, make_user):
    """`refund(payment, amount)`: a partial (whole: amount None) refund; the receipt follows after commit."""
    from payments.services import payment_cancel

    staff = make_user(is_staff=True)

    def cancel(payment, amount=None, *, run_hooks=True):
        with django_capture_on_commit_callbacks(execute=run_hooks):
            payment_cancel(
                payment_pk=payment.pk, actor=staff, reason="변심", amount=amount, gateway=cash_bootpay
            )
        payment.refresh_from_db()
        return payment

    return cancel
