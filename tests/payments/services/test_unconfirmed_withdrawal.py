"""An approval nobody confirmed (separate approval, Bootpay status 2) never pins an order forever.

Before the fix order cancel answered 409, payment cancel 409, and expiry skipped the order for good
with its stock reserved. Now the buyer's cancel, the payment cancel or expiry withdraw it once: the
payment fails on our side at once (confirm refuses it), Bootpay is told, the stock comes back once.
"""

import time

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, Product
from orders.services import order_cancel_unpaid, order_expire_unpaid
from payments.services import payment_cancel, payment_confirm, payment_verify
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed(buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000,), stock=5)
    receipt_id = pay_at_pg(order, state="awaiting_confirm")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.status == "awaiting_confirm"
    return order, payment


def stock(order: Order) -> int:
    return Product.objects.get(pk=order.items.get().product_id).stock


def assert_withdrawn(order, payment, bootpay, order_status):
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == order_status
    assert payment.status == "failed"
    assert stock(order) == 5
    assert bootpay.state.get_receipt(payment.receipt_id)["status"] == 20  # voided at Bootpay
    assert bootpay.state.call_count("POST", "cancel") == 1
    with pytest.raises(DomainError) as error:
        payment_confirm(payment_pk=payment.pk, actor=order.buyer)
    assert error.value.code == ErrorCode.PAYMENT_NOT_CONFIRMABLE
    assert bootpay.state.call_count("POST", "confirm") == 0


def test_expiry_withdraws_an_unconfirmed_approval_and_returns_the_stock(unconfirmed, bootpay):
    order, payment = unconfirmed
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())

    assert order_expire_unpaid() == [order.order_id]
    assert order_expire_unpaid() == []

    assert_withdrawn(order, payment, bootpay, Order.Status.EXPIRED)


def test_the_buyers_order_cancel_withdraws_it(unconfirmed, buyer, bootpay):
    order, payment = unconfirmed

    order_cancel_unpaid(order_pk=order.pk, actor=buyer)

    assert_withdrawn(order, payment, bootpay, Order.Status.CANCELLED)


def test_the_buyers_payment_cancel_withdraws_it_and_the_order_stays_open(unconfirmed, buyer, bootpay):
    order, payment = unconfirmed

    cancellation = payment_cancel(payment_pk=payment.pk, actor=buyer, reason="changed my mind")

    assert cancellation.state == "succeeded"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("failed", Order.Status.PENDING_PAYMENT)
    assert stock(order) == 4  # still reserved: the buyer may pay another way before expiry


def test_bootpay_refusing_the_withdrawal_still_frees_the_order(unconfirmed, buyer, bootpay):
    order, payment = unconfirmed
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)

    order_cancel_unpaid(order_pk=order.pk, actor=buyer)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, stock(order)) == (Order.Status.CANCELLED, "failed", 5)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_expiry_racing_the_buyers_confirm_never_keeps_money_for_a_closed_order(unconfirmed, buyer, bootpay):
    order, payment = unconfirmed
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())

    run_at_once(order_expire_unpaid, lambda: payment_confirm(payment_pk=payment.pk, actor=buyer))

    order.refresh_from_db()
    payment.refresh_from_db()
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    if order.status == Order.Status.PAID:  # confirm won: a normal paid order
        assert payment.status == "paid" and receipt["cancelled_price"] == 0 and stock(order) == 4
    else:  # expiry won: whatever Bootpay approved went back
        assert (order.status, payment.status, stock(order)) == (Order.Status.EXPIRED, "failed", 5)
        assert receipt["status"] == 20 and receipt["cancelled_price"] == receipt["price"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_refused_withdrawal_racing_a_confirm_that_went_through_gives_the_money_back(
    unconfirmed, buyer, bootpay
):
    # given a confirm that passes our checks and then waits at Bootpay, while the buyer cancels the
    # order and Bootpay refuses the withdrawal (after the confirm went through)
    order, payment = unconfirmed
    bootpay.state.add_fault(path="confirm", mode="latency", latency_s=0.3, times=1)
    bootpay.state.add_fault(
        path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", latency_s=0.7, times=1
    )

    def cancel_order_a_moment_later():
        time.sleep(0.1)  # lets confirm take and release the order lock first
        return order_cancel_unpaid(order_pk=order.pk, actor=buyer)

    run_at_once(lambda: payment_confirm(payment_pk=payment.pk, actor=buyer), cancel_order_a_moment_later)

    # then the closed order keeps no money: the approved charge went back
    order.refresh_from_db()
    payment.refresh_from_db()
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert (order.status, payment.status) == (Order.Status.CANCELLED, "failed")
    assert stock(order) == 5
    if receipt["purchased_at"] is not None:  # the race went as staged: Bootpay approved the charge
        assert receipt["cancelled_price"] == receipt["price"] == 12_000
    else:  # a slow machine let the cancel go first: confirm was refused and nothing was charged
        assert bootpay.state.call_count("POST", "confirm") == 0
