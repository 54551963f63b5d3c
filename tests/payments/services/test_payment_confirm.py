import pytest

from config.errors import DomainError, ErrorCode
from orders.models import Order
from payments.models import Payment
from payments.services import payment_confirm, payment_verify
from tests.payments.faults import faults_with_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting_confirm(buyer, make_order, pay_at_pg):
    def make(**receipt_options) -> Payment:
        order = make_order()
        receipt_id = pay_at_pg(order, state="awaiting_confirm", **receipt_options)
        return payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    return make


def test_confirm_approves_and_pays_the_order(buyer, awaiting_confirm, bootpay):
    payment = awaiting_confirm()

    confirmed = payment_confirm(payment_pk=payment.pk, actor=buyer)

    assert confirmed.status == "paid" and confirmed.purchased_at is not None
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.PAID
    assert bootpay.state.get_receipt(payment.receipt_id)["status"] == 1
    assert list(confirmed.events.values_list("kind", "to_status")) == [
        ("verified", "awaiting_confirm"),
        ("synced", "paid"),
    ]


def test_confirming_twice_approves_once(buyer, awaiting_confirm, bootpay):
    payment = awaiting_confirm()

    payment_confirm(payment_pk=payment.pk, actor=buyer)
    again = payment_confirm(payment_pk=payment.pk, actor=buyer)

    assert again.status == "paid"
    assert bootpay.state.call_count("POST", "confirm") == 1


def test_only_a_payment_awaiting_approval_is_confirmable(buyer, make_order, pay_at_pg):
    order = make_order()
    paid = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    Payment.objects.filter(pk=paid.pk).update(status="partially_cancelled")

    with pytest.raises(DomainError) as error:
        payment_confirm(payment_pk=paid.pk, actor=buyer)
    assert error.value.code == ErrorCode.PAYMENT_NOT_CONFIRMABLE


def test_confirm_refuses_when_the_order_changed(buyer, awaiting_confirm, bootpay):
    payment = awaiting_confirm()
    Order.objects.filter(pk=payment.order_id).update(status=Order.Status.CANCELLED)

    with pytest.raises(DomainError) as error:
        payment_confirm(payment_pk=payment.pk, actor=buyer)

    assert error.value.code == ErrorCode.ORDER_NOT_PAYABLE
    assert bootpay.state.calls().get("POST confirm", 0) == 0


@pytest.mark.parametrize(("fault", "code"), faults_with_codes("RC_CONFIRM_FAILED"))
def test_confirm_faults_leave_the_payment_awaiting(buyer, awaiting_confirm, bootpay, fault, code):
    payment = awaiting_confirm()
    bootpay.state.add_fault(path="confirm", times=1, **fault)

    with pytest.raises(DomainError) as error:
        payment_confirm(payment_pk=payment.pk, actor=buyer)

    assert error.value.code == code
    payment.refresh_from_db()
    assert payment.status == "awaiting_confirm"
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.PENDING_PAYMENT
    assert payment_confirm(payment_pk=payment.pk, actor=buyer).status == "paid"
