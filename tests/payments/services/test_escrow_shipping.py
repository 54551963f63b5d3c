"""Escrow (에스크로): the first shipped line of an escrow payment registers the shipment with Bootpay, once.
A line a cancellation in flight covers does not ship (whatever the payment), and a partly cancelled
escrow payment registers what remains.

Against the emulator over HTTP through the real SDK (the `bootpay` fixture), as in production.
Fixtures: conftest.py; a refused registration sent again: test_escrow_registration_retry.py.
"""

import pytest

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from orders.services import order_item_mark_shipped
from payments import gateway as bootpay_gateway
from payments.gateway import GatewayError
from payments.models import Cancellation, EscrowRegistration, Payment, PaymentEvent
from payments.services import payment_cancel, payment_reconcile
from tests.concurrency import run_at_once
from tests.payments.services.escrow_support import SHIP, lose_cancel_answer, ship

pytestmark = pytest.mark.django_db


def ship_error(*args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        ship(*args, **kwargs)
    return error.value


def test_an_escrow_receipt_makes_an_escrow_payment(escrow_order):
    _, payment, _ = escrow_order()
    _, plain, _ = escrow_order(escrow=False)

    assert payment.escrow is True and plain.escrow is False


def test_the_first_shipped_line_registers_the_shipment_once_and_later_lines_stay_local(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, second) = escrow_order()

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, second, shop.user, courier="한진택배", tracking_number="999")
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)  # again, same values: nothing happens

    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "succeeded" and registration.item_id == first.pk
    assert (registration.courier, registration.tracking_number) == ("CJ대한통운", "1234-5678-9012")
    assert registration.completed_at is not None and registration.attempt_started_at is None
    assert bootpay.state.call_count(*SHIP) == 1
    escrow_data = bootpay.state.get_receipt(payment.receipt_id)["escrow_data"]
    assert escrow_data["shipping_started_at"] and escrow_data["status_locale"] == "배송중"
    sent = bootpay.state.shipment(payment.receipt_id)
    assert (sent["delivery_corp"], sent["tracking_number"]) == ("CJ대한통운", "1234-5678-9012")
    assert sent["user"]["username"] == "buyer" and sent["company"]["name"] == "escrow-shop"
    lines = {line.pk: line for line in OrderItem.objects.filter(order=order)}
    assert (lines[second.pk].courier, lines[second.pk].tracking_number) == ("한진택배", "999")
    assert all(line.shipped and line.shipped_at for line in lines.values())
    kinds = list(payment.events.values_list("kind", flat=True))
    assert kinds[-2:] == [PaymentEvent.Kind.ESCROW_REQUESTED, PaymentEvent.Kind.ESCROW_REGISTERED]


def test_an_escrow_line_needs_courier_and_tracking_number(escrow_order, shop, bootpay):
    order, payment, (first, _) = escrow_order()

    neither = ship_error(order, first, shop.user, courier=None, tracking_number=None)
    only_courier = ship_error(order, first, shop.user, tracking_number="")

    assert neither.code == only_courier.code == ErrorCode.VALIDATION_ERROR
    assert set(neither.details["fields"]) == {"courier", "tracking_number"}
    assert set(only_courier.details["fields"]) == {"tracking_number"}
    assert not OrderItem.objects.get(pk=first.pk).shipped
    assert not EscrowRegistration.objects.exists() and bootpay.state.call_count(*SHIP) == 0


class NoShippingGateway:
    """Delegates to the real gateway, but a shipping registration fails the test."""

    def __init__(self, real):
        self.real = real

    def shipping_start(self, **kwargs):
        raise AssertionError("a non-escrow payment called shipping_start")

    def __getattr__(self, name):
        return getattr(self.real, name)


class AnswerIsNoReceiptGateway(NoShippingGateway):
    """Bootpay registers the shipment but answers with something that is no receipt (its success body
    is unconfirmed), which the real gateway reports as None."""

    def shipping_start(self, **kwargs):
        self.real.shipping_start(**kwargs)
        return None


def test_a_success_answer_that_is_no_receipt_still_registers_the_shipment(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, _) = escrow_order()
    bootpay_gateway.set_gateway(AnswerIsNoReceiptGateway(bootpay_gateway.get_gateway()))

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)

    registration = EscrowRegistration.objects.get(payment=payment)
    assert (registration.state, registration.pg_response) == ("succeeded", {})
    assert payment_reconcile(older_than_minutes=0)["escrow_checked"] == 0  # never sent again
    assert bootpay.state.call_count(*SHIP) == 1


@pytest.mark.parametrize("values", [{}, {"courier": "CJ대한통운", "tracking_number": "1234"}])
def test_a_payment_that_is_not_escrow_never_calls_the_gateway(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks, values
):
    order, payment, (first, second) = escrow_order(escrow=False)
    bootpay_gateway.set_gateway(NoShippingGateway(bootpay_gateway.get_gateway()))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order_item_mark_shipped(order_pk=order.pk, item_pk=first.pk, actor=shop.user, **values)
        order_item_mark_shipped(order_pk=order.pk, item_pk=second.pk, actor=shop.user, **values)

    assert callbacks == []
    assert not EscrowRegistration.objects.exists() and bootpay.state.call_count(*SHIP) == 0
    assert OrderItem.objects.filter(order=order, shipped=True).count() == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "status_500"},
        {"mode": "html_502"},
        {"mode": "hang", "latency_s": 3},  # the gateway's 1 s timeout
        {"mode": "reset"},
        {"mode": "lost_answer"},  # applied at Bootpay, the answer never came: the retry is refused
    ],
    ids=lambda fault: fault["mode"],
)
def test_an_unknown_outcome_stays_requested_and_reconcile_registers_it(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks, fault
):
    order, payment, (first, _) = escrow_order()
    bootpay.state.add_fault(path="escrow/shipping/start", times=1, **fault)

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)

    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "requested" and registration.attempt_started_at is None
    assert OrderItem.objects.get(pk=first.pk).shipped  # the shipment itself is ours, whatever Bootpay said

    counts = payment_reconcile(older_than_minutes=0)

    registration.refresh_from_db()
    assert counts["escrow_checked"] == 1 and counts["unreachable"] == 0
    assert registration.state == "succeeded" and registration.error_code == ""
    assert bootpay.state.get_receipt(payment.receipt_id)["escrow_data"]["shipping_started_at"]
    assert payment_reconcile(older_than_minutes=0)["escrow_checked"] == 0  # settled: never sent again


def test_reconcile_leaves_a_registration_someone_is_sending(escrow_order, shop, bootpay):
    order, payment, (first, _) = escrow_order()
    ship(order, first, shop.user)  # inside the test's transaction: the after-commit send never runs

    counts = payment_reconcile(older_than_minutes=0)

    assert counts["escrow_checked"] == 0 and counts["in_progress"] == 1  # claimed by the shipper's lease
    assert bootpay.state.call_count(*SHIP) == 0


def test_bootpay_refusing_a_receipt_that_is_not_escrow_fails_the_registration(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, _) = escrow_order(escrow=False)
    Payment.objects.filter(pk=payment.pk).update(escrow=True)  # we believe it escrow; Bootpay does not

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)

    registration = EscrowRegistration.objects.get(payment=payment)
    assert (registration.state, registration.error_code) == ("failed", "RC_NOT_ESCROW")
    assert registration.pg_response["error_code"] == "RC_NOT_ESCROW"
    assert payment_reconcile(older_than_minutes=0)["escrow_checked"] == 0  # a refusal is final
    assert bootpay.state.call_count(*SHIP) == 1


def test_a_refusal_for_a_shipment_bootpay_already_has_counts_as_registered(
    escrow_order, shop, bootpay, make_gateway, django_capture_on_commit_callbacks
):
    order, payment, (first, _) = escrow_order()
    make_gateway().shipping_start(  # e.g. in Bootpay's admin
        receipt_id=payment.receipt_id, courier="CJ", tracking_number="1", buyer_name="b", seller_name="s"
    )

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)

    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "succeeded"
    assert payment.events.last().data["pg_code"] == "RC_ESCROW_ALREADY_STARTED"


def test_an_escrow_paid_order_detail_reads_its_payment_in_a_third_query(
    escrow_order, buyer, api_client_for, bootpay, django_assert_num_queries
):
    order, _, _ = escrow_order()
    _, _, _ = escrow_order(escrow=False)
    client = api_client_for(buyer)

    # token+user, the visible lines (escrow payment: exists), the escrow payment with its registration
    with django_assert_num_queries(3):
        body = client.get(f"/api/v1/orders/{order.order_id}/").json()

    assert body["escrow"]["status"] == "pending"


@pytest.mark.django_db(transaction=True)  # committed for real: the send runs before the answer is read
def test_the_ship_answer_shows_the_registration(escrow_order, shop, buyer, api_client_for, bootpay):
    order, payment, (first, _) = escrow_order()
    client = api_client_for(shop.user)
    url = f"/api/v1/orders/{order.order_id}/items/{first.pk}/ship/"

    before = api_client_for(buyer).get(f"/api/v1/orders/{order.order_id}/").json()
    response = client.post(url, {"courier": "CJ대한통운", "tracking_number": "1234"}, format="json")

    assert before["escrow_eligible"] is True
    assert before["escrow"] == {
        "status": "pending",
        "courier": None,
        "tracking_number": None,
        "registered_at": None,
        "error_code": None,
    }
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["escrow"]["status"] == "registered" and body["escrow"]["registered_at"]
    assert (body["escrow"]["courier"], body["escrow"]["tracking_number"]) == ("CJ대한통운", "1234")
    line = next(item for item in body["items"] if item["id"] == first.pk)
    assert (line["courier"], line["tracking_number"], line["shipped"]) == ("CJ대한통운", "1234", True)
    assert line["shipped_at"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_shipments_register_once(escrow_order, shop, make_user, bootpay):
    order, payment, (first, second) = escrow_order()
    staff = make_user("ops", is_staff=True)
    calls = [
        (lambda line=line, actor=actor: ship(order, line, actor))
        for line in (first, second)
        for actor in (shop.user, staff)
        for _ in range(3)
    ]

    results, refusals = run_at_once(*calls)

    assert refusals == [] and len(results) == len(calls)
    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "succeeded"
    assert bootpay.state.call_count(*SHIP) == 1
    assert OrderItem.objects.filter(order=order, shipped=True).count() == 2
    assert payment.events.filter(kind=PaymentEvent.Kind.ESCROW_REQUESTED).count() == 1


def test_the_admin_shows_the_registration(
    escrow_order, shop, make_user, client, bootpay, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    order, payment, (first, _) = escrow_order()
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, first, shop.user)
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    registration = EscrowRegistration.objects.get()

    payment_page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    listing = client.get(reverse("admin:payments_escrowregistration_changelist"), {"state": "succeeded"})
    detail = client.get(reverse("admin:payments_escrowregistration_change", args=[registration.pk]))
    order_page = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert (
        payment_page.status_code == listing.status_code == detail.status_code == order_page.status_code == 200
    )
    assert "1234-5678-9012" in payment_page.content.decode()
    assert "1234-5678-9012" in listing.content.decode() and "CJ대한통운" in order_page.content.decode()
    assert 'name="tracking_number"' not in detail.content.decode()  # read-only: no inputs


# --- A line a cancellation in flight covers does not ship, whatever the payment ----------------------


@pytest.mark.parametrize("escrow", [False, True], ids=["plain", "escrow"])
def test_a_whole_payment_cancel_in_flight_refuses_every_line(escrow_order, shop, staff_user, bootpay, escrow):
    order, payment, (first, second) = escrow_order(escrow=escrow)
    lose_cancel_answer(bootpay, payment, staff_user, amount=2_000)  # an amount: names no lines

    for line in (first, second):
        with pytest.raises(DomainError) as refused:
            ship(order, line, shop.user)
        assert refused.value.code == ErrorCode.CANCEL_IN_PROGRESS
    assert not OrderItem.objects.filter(order=order, shipped=True).exists()
    assert not EscrowRegistration.objects.exists() and bootpay.state.call_count(*SHIP) == 0


def test_a_line_cancel_in_flight_refuses_that_line_only_on_a_plain_payment(
    escrow_order, shop, buyer, bootpay
):
    order, payment, (first, second) = escrow_order(escrow=False)
    lose_cancel_answer(bootpay, payment, buyer, item_ids=[first.pk])

    with pytest.raises(DomainError) as refused:
        ship(order, first, shop.user)
    assert refused.value.code == ErrorCode.CANCEL_IN_PROGRESS
    assert refused.value.details["items"] == [first.pk]
    ship(order, second, shop.user)
    assert OrderItem.objects.get(pk=second.pk).shipped


def test_a_settled_cancellation_no_longer_refuses(escrow_order, shop, buyer, bootpay):
    order, payment, (first, second) = escrow_order(escrow=False)
    lose_cancel_answer(bootpay, payment, buyer, item_ids=[first.pk])
    Cancellation.objects.filter(payment=payment).update(state="failed")

    ship(order, first, shop.user)
    assert OrderItem.objects.get(pk=first.pk).shipped


def test_a_line_whose_refund_is_in_flight_cannot_be_shipped_nor_registered(
    escrow_order, shop, buyer, bootpay, django_capture_on_commit_callbacks
):
    """The buyer cancels an unshipped line; Bootpay's answer is lost (the cancellation stays requested
    until reconcile). The line must not ship, nor its escrow shipment be registered with Bootpay for
    money that is being refunded."""
    order, payment, (first, _) = escrow_order()
    lose_cancel_answer(bootpay, payment, buyer, item_ids=[first.pk])
    assert Cancellation.objects.get(payment=payment).state == "requested"

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        ship(order, first, shop.user)

    assert refused.value.code in ("cancel_in_progress", "validation_error")
    assert not OrderItem.objects.get(pk=first.pk).shipped
    assert bootpay.state.call_count(*SHIP) == 0


# --- A partly cancelled escrow receipt registers what remains (the emulator) ------------------------------


def test_a_partly_cancelled_escrow_payment_registers_its_remaining_lines(
    escrow_order, shop, buyer, bootpay, django_capture_on_commit_callbacks
):
    order, payment, (first, second) = escrow_order()
    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="one is enough", item_ids=[first.pk])

    with django_capture_on_commit_callbacks(execute=True):
        ship(order, second, shop.user)

    assert EscrowRegistration.objects.get(payment=payment).state == "succeeded"


def test_a_fully_cancelled_escrow_receipt_refuses_the_registration(escrow_order, buyer, bootpay):
    _, payment, _ = escrow_order()
    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="never mind")
    with pytest.raises(GatewayError) as refused:
        bootpay_gateway.get_gateway().shipping_start(
            receipt_id=payment.receipt_id,
            courier="CJ대한통운",
            tracking_number="1",
            buyer_name="buyer",
            seller_name="escrow-shop",
        )
    assert refused.value.code == "RC_ESCROW_NOT_PAID"
