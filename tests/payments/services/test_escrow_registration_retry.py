"""`escrow_registration_retry`: a shipping registration Bootpay refused is sent again, by the line's
seller or staff (the service, and the admin's "send again" action), with corrected values or the
registered ones; never a registration that succeeded or is in flight, nor while a cancellation of the
line is in flight. Against the emulator (the `bootpay` fixture); fixtures: conftest.py."""

import contextlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from payments import gateway as bootpay_gateway
from payments.models import EscrowRegistration, PaymentEvent
from payments.services import escrow_registration_retry
from payments.services.escrow import escrow_attempt_lease
from tests.payments.services.escrow_support import RefuseOnceGateway, lose_cancel_answer, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(escrow_order, shop, bootpay, django_capture_on_commit_callbacks):
    """An escrow order whose registration Bootpay refused: (order, payment, lines, registration)."""
    order, payment, lines = escrow_order()
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


def test_succeeded_and_requested_registrations_are_not_sent_again(escrow_order, shop, staff_user, bootpay):
    order, payment, (first, _) = escrow_order()
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


def test_a_refused_registration_can_be_sent_again_with_corrected_values(
    escrow_order, shop, bootpay, django_capture_on_commit_callbacks
):
    """Bootpay refuses the registration (here: a refusal the next attempt would not get). The seller
    re-ships the line with corrected values or ships another line: the shipment ends up registered,
    so the buyer's money held at the PG is not stuck."""
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
