"""Escrow shipping after review: one rule for a line a cancellation in flight covers (every payment), a
refused registration sent again, and the registered parcel shown only to whom it concerns."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from orders.services import OrderLine, order_create, order_item_mark_shipped
from payments import gateway as bootpay_gateway
from payments.gateway import GatewayError
from payments.models import Cancellation, EscrowRegistration, PaymentEvent
from payments.services import escrow_registration_retry, payment_cancel, payment_verify
from payments.services.escrow import escrow_attempt_lease
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

SHIP = ("PUT", "escrow/shipping/start")


@pytest.fixture
def staff_user(make_user):
    return make_user("escrow-staff", is_staff=True)


@pytest.fixture
def shop(make_seller):
    return make_seller("fix-shop")


@pytest.fixture
def paid_order(buyer, shop, make_product, pay_at_pg):
    """A paid order of two lines from one shop: (order, payment, [line, line])."""

    def make(*, escrow: bool = True):
        first, second = make_product(seller=shop, price=7_000), make_product(seller=shop, price=3_000)
        order = order_create(buyer=buyer, lines=[OrderLine(first.pk, 1), OrderLine(second.pk, 1)])
        receipt_id = pay_at_pg(order, escrow=escrow)
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        return order, payment, list(order.items.order_by("pk"))

    return make


def ship(order, line, actor, courier="CJ대한통운", tracking_number="1234-5678"):
    return order_item_mark_shipped(
        order_pk=order.pk, item_pk=line.pk, actor=actor, courier=courier, tracking_number=tracking_number
    )


def lose_cancel_answer(bootpay, payment, actor, **cancel):
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=actor, reason="changed my mind", **cancel)
    assert Cancellation.objects.filter(payment=payment, state="requested").exists()


# --- 1. A line a cancellation in flight covers does not ship, whatever the payment --------------------


@pytest.mark.parametrize("escrow", [False, True], ids=["plain", "escrow"])
def test_a_whole_payment_cancel_in_flight_refuses_every_line(paid_order, shop, staff_user, bootpay, escrow):
    order, payment, (first, second) = paid_order(escrow=escrow)
    lose_cancel_answer(bootpay, payment, staff_user, amount=2_000)  # an amount: names no lines

    for line in (first, second):
        with pytest.raises(DomainError) as refused:
            ship(order, line, shop.user)
        assert refused.value.code == ErrorCode.CANCEL_IN_PROGRESS
    assert not OrderItem.objects.filter(order=order, shipped=True).exists()
    assert not EscrowRegistration.objects.exists() and bootpay.state.call_count(*SHIP) == 0


def test_a_line_cancel_in_flight_refuses_that_line_only_on_a_plain_payment(paid_order, shop, buyer, bootpay):
    order, payment, (first, second) = paid_order(escrow=False)
    lose_cancel_answer(bootpay, payment, buyer, item_ids=[first.pk])

    with pytest.raises(DomainError) as refused:
        ship(order, first, shop.user)
    assert refused.value.code == ErrorCode.CANCEL_IN_PROGRESS
    assert refused.value.details["items"] == [first.pk]
    ship(order, second, shop.user)
    assert OrderItem.objects.get(pk=second.pk).shipped


def test_a_settled_cancellation_no_longer_refuses(paid_order, shop, buyer, bootpay):
    order, payment, (first, second) = paid_order(escrow=False)
    lose_cancel_answer(bootpay, payment, buyer, item_ids=[first.pk])
    Cancellation.objects.filter(payment=payment).update(state="failed")

    ship(order, first, shop.user)
    assert OrderItem.objects.get(pk=first.pk).shipped


# --- 2. A refused registration is sent again --------------------------------------------------------


class RefuseOnceGateway:
    def __init__(self, real):
        self.real, self.refused = real, False

    def shipping_start(self, **kwargs):
        if not self.refused:
            self.refused = True
            raise GatewayError("RC_INVALID_DELIVERY_CORP", "택배사 코드가 올바르지 않습니다.", payload={})
        return self.real.shipping_start(**kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def failed(paid_order, shop, bootpay, django_capture_on_commit_callbacks):
    """An escrow order whose registration Bootpay refused: (order, payment, lines, registration)."""
    order, payment, lines = paid_order()
    bootpay_gateway.set_gateway(RefuseOnceGateway(bootpay_gateway.get_gateway()))
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, lines[0], shop.user, courier="CJ", tracking_number="TYPO")
    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "failed"
    return order, payment, lines, registration


def test_the_lines_seller_sends_a_refused_registration_again_with_corrected_values(
    failed, shop, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, _), registration = failed
    with django_capture_on_commit_callbacks(execute=True):
        settled = escrow_registration_retry(
            registration_pk=registration.pk,
            actor=shop.user,
            courier="CJ대한통운",
            tracking_number="1111-2222",
        )

    settled.refresh_from_db()  # sent after commit: here once the callbacks ran
    assert settled.state == "succeeded" and settled.error_code == ""
    assert (settled.courier, settled.tracking_number) == ("CJ대한통운", "1111-2222")
    line = OrderItem.objects.get(pk=first.pk)
    assert (line.courier, line.tracking_number) == ("CJ대한통운", "1111-2222")
    sent = bootpay.state.shipment(payment.receipt_id)
    assert (sent["delivery_corp"], sent["tracking_number"]) == ("CJ대한통운", "1111-2222")
    kinds = list(PaymentEvent.objects.filter(payment=payment).values_list("kind", flat=True))
    assert kinds[-4:] == ["escrow_requested", "escrow_failed", "escrow_requested", "escrow_registered"]
    retried = PaymentEvent.objects.filter(payment=payment, kind="escrow_requested").last()
    assert retried.data["retry_of"] == "RC_INVALID_DELIVERY_CORP"


def test_without_values_the_registered_ones_are_sent_again(
    failed, staff_user, django_capture_on_commit_callbacks
):
    _, _, _, registration = failed
    with django_capture_on_commit_callbacks(execute=True):
        settled = escrow_registration_retry(registration_pk=registration.pk, actor=staff_user)
    settled.refresh_from_db()  # sent after commit: here once the callbacks ran
    assert settled.state == "succeeded" and (settled.courier, settled.tracking_number) == ("CJ", "TYPO")


def test_only_staff_or_the_lines_seller_send_again(failed, buyer, make_seller):
    _, _, _, registration = failed
    for who in (buyer, make_seller("other-shop").user):
        with pytest.raises(DomainError) as refused:
            escrow_registration_retry(registration_pk=registration.pk, actor=who)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    registration.refresh_from_db()
    assert registration.state == "failed"


def test_succeeded_and_requested_registrations_are_not_sent_again(paid_order, shop, staff_user, bootpay):
    order, payment, (first, _) = paid_order()
    ship(order, first, shop.user)  # committed callbacks not run: stays requested
    registration = EscrowRegistration.objects.get(payment=payment)
    for state in ("requested", "succeeded"):
        EscrowRegistration.objects.filter(pk=registration.pk).update(state=state)
        with pytest.raises(DomainError) as refused:
            escrow_registration_retry(
                registration_pk=registration.pk, actor=staff_user, courier="X", tracking_number="1"
            )
        assert refused.value.code == ErrorCode.VALIDATION_ERROR
        registration.refresh_from_db()
        assert (registration.state, registration.courier) == (state, "CJ대한통운")
    with pytest.raises(DomainError) as refused:  # re-marking with other values: refused as before
        ship(order, first, shop.user, courier="X", tracking_number="1")
    assert refused.value.code == ErrorCode.VALIDATION_ERROR


def test_a_cancel_in_flight_refuses_the_retry(failed, shop, staff_user, bootpay):
    order, payment, (first, _), registration = failed
    lose_cancel_answer(bootpay, payment, staff_user, item_ids=[first.pk])
    with pytest.raises(DomainError) as refused:
        escrow_registration_retry(registration_pk=registration.pk, actor=shop.user)
    assert refused.value.code == ErrorCode.CANCEL_IN_PROGRESS
    registration.refresh_from_db()
    assert registration.state == "failed"


def test_re_marking_another_line_with_other_values_is_still_refused(failed, shop, bootpay):
    order, _, (first, second), registration = failed
    ship(order, second, shop.user)  # local only: the registration exists
    with pytest.raises(DomainError) as refused:
        ship(order, second, shop.user, courier="한진택배", tracking_number="999")
    assert refused.value.code == ErrorCode.VALIDATION_ERROR
    registration.refresh_from_db()
    assert registration.state == "failed"


def test_staff_send_again_from_the_admin(failed, make_user, bootpay):
    _, payment, (first, _), registration = failed
    client = Client()
    client.force_login(make_user("escrow-admin", is_staff=True, is_superuser=True))
    changelist = reverse("admin:payments_escrowregistration_changelist")
    response = client.post(
        changelist,
        {
            "action": "send_again",
            "_selected_action": [registration.pk],
            "courier": "CJ대한통운",
            "tracking_number": "3333-4444",
        },
        follow=True,
    )
    assert response.status_code == 200
    registration.refresh_from_db()
    # The test's transaction never commits, so the send (after commit) waits: it is requested, claimed.
    assert registration.state == "requested" and registration.attempt_started_at is not None
    assert (registration.courier, registration.tracking_number) == ("CJ대한통운", "3333-4444")
    assert OrderItem.objects.get(pk=first.pk).tracking_number == "3333-4444"


def test_a_non_staff_user_has_no_send_again_action(failed, make_user):
    _, _, _, registration = failed
    client = Client()
    client.force_login(make_user("clerk", is_staff=True))  # staff without the permission
    response = client.post(
        reverse("admin:payments_escrowregistration_changelist"),
        {"action": "send_again", "_selected_action": [registration.pk]},
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.state == "failed"


def test_the_lease_covers_the_sends_worst_case(settings):
    settings.BOOTPAY_TIMEOUT_S = 10
    # token fetch, shipping_start, token refetch + retry, then the lookup likewise: eight calls.
    assert escrow_attempt_lease() >= timedelta(seconds=8 * 10)


# --- The emulator: a partly cancelled escrow receipt registers what remains -----------------------------


def test_a_partly_cancelled_escrow_payment_registers_its_remaining_lines(
    paid_order, shop, buyer, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, second) = paid_order()
    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="one is enough", item_ids=[first.pk])

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, second, shop.user)

    assert EscrowRegistration.objects.get(payment=payment).state == "succeeded"


def test_a_fully_cancelled_escrow_receipt_refuses_the_registration(paid_order, buyer, bootpay):
    _, payment, _ = paid_order()
    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="never mind")
    with pytest.raises(GatewayError) as refused:
        bootpay_gateway.get_gateway().shipping_start(
            receipt_id=payment.receipt_id,
            courier="CJ대한통운",
            tracking_number="1",
            buyer_name="buyer",
            seller_name="fix-shop",
        )
    assert refused.value.code == "RC_ESCROW_NOT_PAID"


# --- 3. The parcel in the order's escrow block --------------------------------------------------------

ESCROW_QUERY = """query { %s { edges { node { escrow { status courier trackingNumber } } } } }"""


def test_graphql_shows_the_parcel_to_the_buyer_and_its_seller_only(
    buyer, make_seller, make_product, pay_at_pg, bootpay, django_capture_on_commit_callbacks
):
    shop_a, shop_b = make_seller("gql-a"), make_seller("gql-b")
    order = order_create(
        buyer=buyer,
        lines=[OrderLine(make_product(seller=shop_a).pk, 1), OrderLine(make_product(seller=shop_b).pk, 1)],
    )
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, escrow=True), actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, order.items.get(seller=shop_a), shop_a.user, tracking_number="SECRET-1")

    def seen(user, field):
        [edge] = GraphQLClient(user)(ESCROW_QUERY % field)[field]["edges"]
        return edge["node"]["escrow"]

    parcel = {"status": "registered", "courier": "CJ대한통운", "trackingNumber": "SECRET-1"}
    assert seen(buyer, "myOrders") == parcel
    assert seen(shop_a.user, "sellerOrders") == parcel
    assert seen(shop_b.user, "sellerOrders") == {
        "status": "registered",
        "courier": None,
        "trackingNumber": None,
    }
