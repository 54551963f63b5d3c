"""Services take the gateway they are handed (`gateway=`), as tasks and tests pass one; the process-wide
`get_gateway()` is only the default."""

import pytest

from payments import gateway as bootpay
from payments.services import payment_cancel, payment_reconcile, payment_verify

pytestmark = pytest.mark.django_db


class Counting:
    """A Gateway (the protocol) wrapping the emulator-backed one, counting each call by name."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def lookup_receipt(self, receipt_id):
        self.calls.append("lookup_receipt")
        return self.inner.lookup_receipt(receipt_id)

    def confirm(self, receipt_id):
        self.calls.append("confirm")
        return self.inner.confirm(receipt_id)

    def cancel(self, **kwargs):
        self.calls.append("cancel")
        return self.inner.cancel(**kwargs)

    # The billing-key calls of the protocol, counted and passed on the same way.

    def billing_key_for_receipt(self, receipt_id):
        self.calls.append("billing_key_for_receipt")
        return self.inner.billing_key_for_receipt(receipt_id)

    def billing_key_lookup(self, billing_key):
        self.calls.append("billing_key_lookup")
        return self.inner.billing_key_lookup(billing_key)

    def charge_billing_key(self, **kwargs):
        self.calls.append("charge_billing_key")
        return self.inner.charge_billing_key(**kwargs)

    def reserve_charge(self, **kwargs):
        self.calls.append("reserve_charge")
        return self.inner.reserve_charge(**kwargs)

    def reservation_lookup(self, reserve_id):
        self.calls.append("reservation_lookup")
        return self.inner.reservation_lookup(reserve_id)

    def reservation_cancel(self, reserve_id):
        self.calls.append("reservation_cancel")
        return self.inner.reservation_cancel(reserve_id)

    def billing_key_destroy(self, billing_key):
        self.calls.append("billing_key_destroy")
        return self.inner.billing_key_destroy(billing_key)

    def shipping_start(self, **kwargs):
        self.calls.append("shipping_start")
        return self.inner.shipping_start(**kwargs)

    # Cash receipts and identity verification, counted and passed on the same way.

    def cash_receipt_publish(self, **kwargs):
        self.calls.append("cash_receipt_publish")
        return self.inner.cash_receipt_publish(**kwargs)

    def cash_receipt_cancel_on_payment(self, **kwargs):
        self.calls.append("cash_receipt_cancel_on_payment")
        return self.inner.cash_receipt_cancel_on_payment(**kwargs)

    def cash_receipt_issue(self, **kwargs):
        self.calls.append("cash_receipt_issue")
        return self.inner.cash_receipt_issue(**kwargs)

    def cash_receipt_cancel(self, **kwargs):
        self.calls.append("cash_receipt_cancel")
        return self.inner.cash_receipt_cancel(**kwargs)

    def certificate(self, receipt_id):
        self.calls.append("certificate")
        return self.inner.certificate(receipt_id)

    def authentication_request(self, **kwargs):
        self.calls.append("authentication_request")
        return self.inner.authentication_request(**kwargs)

    def authentication_confirm(self, **kwargs):
        self.calls.append("authentication_confirm")
        return self.inner.authentication_confirm(**kwargs)

    def authentication_realarm(self, receipt_id):
        self.calls.append("authentication_realarm")
        return self.inner.authentication_realarm(receipt_id)


class Refusing:
    def __getattr__(self, name):
        raise AssertionError(f"the process-wide gateway was used ({name})")


@pytest.fixture
def injected(sandbox, make_gateway):
    """An explicit gateway; the process-wide one fails the test if any service reaches for it."""
    bootpay.set_gateway(Refusing())
    yield Counting(make_gateway())
    bootpay.set_gateway(None)


def test_verify_cancel_and_reconcile_use_the_gateway_they_are_given(
    buyer, make_user, make_order, sandbox, injected
):
    staff = make_user("staff", is_staff=True)
    order = make_order(prices=(20_000,))
    receipt_id = sandbox.state.create_receipt(
        order_id=order.order_id, price=20_000, tax_free=0, order_name=order.order_name
    )["receipt_id"]

    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer, gateway=injected)
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="part", amount=5_000, gateway=injected)
    payment_reconcile(older_than_minutes=0, gateway=injected)

    assert injected.calls == ["lookup_receipt", "cancel"]
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 5_000)


def test_building_a_gateway_installs_the_bounded_transport_once(make_gateway):
    from bootpay_backend import rest_client

    make_gateway()
    transport = rest_client.requests
    make_gateway()

    assert isinstance(transport, bootpay.BoundedTransport)
    assert rest_client.requests is transport  # idempotent: one transport, its pooled sessions kept


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("64f1a2b3c4d5e6f708192a3b", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("abc\n", False),
        ("../receipt", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_one_receipt_id_check(value, valid):
    assert bootpay.is_receipt_id(value) is valid


def test_the_counting_stand_in_implements_the_whole_protocol():
    protocol = {name for name in vars(bootpay.Gateway) if not name.startswith("_")}

    assert {"charge_billing_key", "billing_key_destroy", "reservation_cancel"} <= protocol
    assert protocol <= set(vars(Counting))


def test_reconcile_sends_a_pending_escrow_registration_through_the_gateway_it_is_given(
    buyer, make_order, sandbox, injected
):
    from orders.services import order_item_mark_shipped
    from payments.models import EscrowRegistration

    order = make_order(prices=(20_000,))
    receipt_id = sandbox.state.create_receipt(
        order_id=order.order_id, price=20_000, order_name=order.order_name, escrow=True
    )["receipt_id"]
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer, gateway=injected)
    line = order.items.get()
    # inside the test's transaction the after-commit send never runs: the registration waits, claimed
    order_item_mark_shipped(
        order_pk=order.pk, item_pk=line.pk, actor=line.seller.user, courier="CJ", tracking_number="1"
    )
    EscrowRegistration.objects.update(attempt_started_at=None)  # the shipper's claim given back

    payment_reconcile(older_than_minutes=0, gateway=injected)

    assert injected.calls == ["lookup_receipt", "shipping_start"]
    assert EscrowRegistration.objects.get().state == "succeeded"
