import pytest
from django.core.management import call_command

from orders.models import Order
from payments.models import Payment
from payments.services import payment_reconcile, payment_verify

pytestmark = pytest.mark.django_db


def test_reconcile_completes_a_deposit_whose_webhook_never_came(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.deposit(receipt_id)

    counts = payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    assert counts["payments_checked"] == 1
    assert payment.status == "paid" and payment.events.last().actor_label == "reconcile"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_reconcile_fails_an_approval_that_aged_out(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, state="awaiting_confirm")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.expire(receipt_id)

    call_command("reconcile", "--older-than", "0")

    payment.refresh_from_db()
    assert payment.status == "failed"
    assert Order.objects.get(pk=order.pk).status == "pending_payment"  # free to pay again (or expire)


def test_reconcile_leaves_recent_payments_alone(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    payment_verify(
        order_id=order.order_id, receipt_id=pay_at_pg(order, state="awaiting_confirm"), actor=buyer
    )
    lookups = bootpay.state.call_count("GET", "receipt")

    assert payment_reconcile(older_than_minutes=10)["payments_checked"] == 0
    assert bootpay.state.call_count("GET", "receipt") == lookups


def test_reconcile_survives_bootpay_being_down(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.add_fault(path="receipt", mode="status_500")

    assert payment_reconcile(older_than_minutes=0)["unreachable"] == 1
    assert Payment.objects.get(receipt_id=receipt_id).status == "awaiting_deposit"
