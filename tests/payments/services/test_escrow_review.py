"""Review of escrow shipping registration: defects found (each test fails on the reviewed code)."""

import contextlib

import pytest

from config.errors import DomainError
from orders.models import OrderItem
from orders.services import OrderLine, order_create, order_item_mark_shipped
from payments import gateway as bootpay_gateway
from payments.gateway import GatewayError
from payments.models import Cancellation, EscrowRegistration
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db

SHIP = ("PUT", "escrow/shipping/start")


@pytest.fixture
def shop(make_seller):
    return make_seller("review-shop")


@pytest.fixture
def escrow_order(buyer, shop, make_product, pay_at_pg):
    def make():
        first, second = make_product(seller=shop, price=7_000), make_product(seller=shop, price=3_000)
        order = order_create(buyer=buyer, lines=[OrderLine(first.pk, 1), OrderLine(second.pk, 1)])
        receipt_id = pay_at_pg(order, escrow=True)
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        return order, payment, list(order.items.order_by("pk"))

    return make


def ship(order, line, actor, courier="CJ대한통운", tracking_number="1234-5678"):
    return order_item_mark_shipped(
        order_pk=order.pk, item_pk=line.pk, actor=actor, courier=courier, tracking_number=tracking_number
    )


def test_a_line_whose_refund_is_in_flight_cannot_be_shipped_nor_registered(
    escrow_order, shop, buyer, bootpay, django_capture_on_commit_callbacks
):
    """The buyer cancels an unshipped line; Bootpay's answer is lost (the cancellation stays requested
    until reconcile). Meanwhile the line is still `paid`, so the seller ships it and the escrow
    shipment is registered with Bootpay for money that is being refunded."""
    order, payment, (first, _) = escrow_order()
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="changed my mind", item_ids=[first.pk])
    assert Cancellation.objects.get(payment=payment).state == "requested"

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        ship(order, first, shop.user)

    assert refused.value.code in ("cancel_in_progress", "validation_error")
    assert not OrderItem.objects.get(pk=first.pk).shipped
    assert bootpay.state.call_count(*SHIP) == 0


class RefuseOnceGateway:
    """Bootpay refuses the first registration (e.g. an unknown delivery_corp), then behaves."""

    def __init__(self, real):
        self.real, self.refused = real, False

    def shipping_start(self, **kwargs):
        if not self.refused:
            self.refused = True
            raise GatewayError("RC_INVALID_DELIVERY_CORP", "택배사 코드가 올바르지 않습니다.", payload={})
        return self.real.shipping_start(**kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_refused_registration_can_be_sent_again_with_corrected_values(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks
):
    """Bootpay refuses the registration (here: a refusal the next attempt would not get). The
    registration is `failed` for good: reconcile never retries it, the admin is read-only, and the
    seller can neither re-ship the line (other values: validation_error; same values: a no-op) nor
    ship another line (the registration exists, so it stays local). The buyer's money stays held at
    the PG with no way for anyone in the product to register the shipment."""
    order, payment, (first, second) = escrow_order()
    bootpay_gateway.set_gateway(RefuseOnceGateway(bootpay_gateway.get_gateway()))

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user, courier="CJ", tracking_number="TYPO")
    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(DomainError):
            ship(order, first, shop.user, courier="CJ대한통운", tracking_number="1234-5678")
        ship(order, second, shop.user, courier="CJ대한통운", tracking_number="1234-5678")

    registration.refresh_from_db()
    assert (
        registration.state == "succeeded"
        or EscrowRegistration.objects.filter(payment=payment, state="succeeded").exists()
    )
    assert bootpay.state.get_receipt(payment.receipt_id)["escrow_data"]["shipping_started_at"]
