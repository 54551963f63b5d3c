"""The payment endpoints over HTTP, against the emulator: happy paths, refusals, webhooks."""

import json

import pytest

from orders.models import Order
from payments.models import Payment, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_webhooks(on_commit_now):
    """Webhook tasks run eagerly, as soon as the endpoint enqueues them."""


@pytest.fixture
def as_buyer(buyer, api_client_for):
    return api_client_for(buyer)


def verify(client, order, receipt_id):
    return client.post(
        "/api/v1/payments/verify/", {"order_id": order.order_id, "receipt_id": receipt_id}, format="json"
    )


def post_webhook(client, receipt: dict, **extra):
    body = {**receipt, **extra}
    return client.post("/api/v1/webhooks/bootpay/", json.dumps(body), content_type="application/json")


def test_card_payment_happy_path(as_buyer, make_order, pay_at_pg):
    order = make_order(prices=(15_000,))

    response = verify(as_buyer, order, pay_at_pg(order))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "paid" and body["amount"] == 15_000 and body["order_id"] == order.order_id
    assert body["payment_id"].startswith("pay_") and body["cancellable_amount"] == 15_000
    assert [event["kind"] for event in body["events"]] == ["verified"]
    assert "raw_receipt" not in body
    detail = as_buyer.get(f"/api/v1/payments/{body['payment_id']}/")
    assert detail.status_code == 200 and detail.json()["status"] == "paid"
    assert verify(as_buyer, order, body["receipt_id"]).json()["payment_id"] == body["payment_id"]


def test_separate_approval_then_confirm(as_buyer, make_order, pay_at_pg):
    order = make_order()
    payment = verify(as_buyer, order, pay_at_pg(order, state="awaiting_confirm")).json()
    assert payment["status"] == "awaiting_confirm"

    confirmed = as_buyer.post(f"/api/v1/payments/{payment['payment_id']}/confirm/")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "paid"
    assert Order.objects.get(pk=order.pk).status == "paid"
    again = as_buyer.post(f"/api/v1/payments/{payment['payment_id']}/confirm/")
    assert again.status_code == 200 and again.json()["status"] == "paid"


def test_virtual_account_is_paid_by_the_deposit_webhook(as_buyer, make_order, pay_at_pg, bootpay, client):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    assert verify(as_buyer, order, receipt_id).json()["status"] == "awaiting_deposit"
    issued = bootpay.state.get_receipt(receipt_id)

    bootpay.state.deposit(receipt_id)
    deposited = bootpay.state.get_receipt(receipt_id)
    response = post_webhook(client, deposited, webhook_type="PAYMENT_COMPLETED")

    assert response.status_code == 200 and response.json() == {"success": True}
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"
    assert Order.objects.get(pk=order.pk).status == "paid"
    # the "issued" notice arriving late changes nothing
    post_webhook(client, issued, webhook_type="PAYMENT_VIRTUAL_ACCOUNT_ISSUED")
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"


def test_the_webhook_pays_an_order_whose_buyer_never_called_verify(make_order, pay_at_pg, bootpay, client):
    order = make_order()
    receipt_id = pay_at_pg(order)

    post_webhook(client, bootpay.state.get_receipt(receipt_id), webhook_type="PAYMENT_COMPLETED")

    payment = Payment.objects.get(receipt_id=receipt_id)
    assert payment.status == "paid" and payment.events.get().actor_label == "webhook"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_webhook_body_is_never_trusted(make_order, pay_at_pg, bootpay, client):
    # a forged "paid" notice for a virtual account nobody paid into
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    forged = {**bootpay.state.get_receipt(receipt_id), "status": 1, "price": order.total_amount}

    assert post_webhook(client, forged, webhook_type="PAYMENT_COMPLETED").json() == {"success": True}

    assert Payment.objects.get(receipt_id=receipt_id).status == "awaiting_deposit"
    assert Order.objects.get(pk=order.pk).status == "pending_payment"


def test_duplicate_webhooks_are_all_kept_and_book_the_payment_once(make_order, pay_at_pg, bootpay, client):
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))

    for _ in range(3):
        assert post_webhook(client, receipt, webhook_type="PAYMENT_COMPLETED").status_code == 200

    # an unverified body cannot vouch for being a repeat: each one is kept and costs one re-fetch
    assert list(WebhookDelivery.objects.values_list("state", flat=True)) == ["processed"] * 3
    assert bootpay.state.call_count("GET", "receipt") == 3
    assert Payment.objects.get().events.count() == 1
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_webhook_for_an_unknown_receipt_is_kept_and_marked(client, bootpay):
    response = post_webhook(client, {"receipt_id": "0" * 24, "status": 1, "price": 1000})

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "unmatched" and delivery.receipt_id == "0" * 24


def test_a_webhook_without_a_receipt_is_stored_as_invalid(client):
    response = client.post("/api/v1/webhooks/bootpay/", "not json at all", content_type="application/json")

    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert WebhookDelivery.objects.get().state == "invalid"


def test_a_form_encoded_webhook_is_understood(make_order, pay_at_pg, bootpay, client):
    order = make_order()
    receipt_id = pay_at_pg(order)

    response = client.post(
        "/api/v1/webhooks/bootpay/",
        f"receipt_id={receipt_id}&status=1&webhook_type=PAYMENT_COMPLETED",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"


def test_a_webhook_that_fails_to_process_is_retried_by_the_command(make_order, pay_at_pg, bootpay, client):
    from django.core.management import call_command

    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)

    assert post_webhook(client, receipt).json() == {"success": True}  # stored, so Bootpay stops retrying
    assert WebhookDelivery.objects.get().state == "failed"

    call_command("process_webhooks", "--failed")

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("processed", 2)
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_webhooks_from_outside_the_allowed_network_are_refused(client, settings):
    settings.BOOTPAY_WEBHOOK_ALLOWED_IPS = ["223.130.82.0/24"]

    response = post_webhook(client, {"receipt_id": "a" * 24, "status": 1})

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not WebhookDelivery.objects.exists()


def test_a_partial_cancel_made_in_bootpays_admin_shows_up(as_buyer, make_order, pay_at_pg, bootpay, client):
    order = make_order(prices=(10_000,))
    receipt_id = pay_at_pg(order)
    verify(as_buyer, order, receipt_id)

    bootpay.state.cancel(receipt_id, cancel_price=2_500, cancel_id="admin-1")
    post_webhook(client, bootpay.state.get_receipt(receipt_id), webhook_type="PAYMENT_PARTIAL_CANCELLED")

    payment = Payment.objects.get(receipt_id=receipt_id)
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 2_500)
    assert payment.cancellations.get().reason == "Bootpay에서 취소됨"
    assert Order.objects.get(pk=order.pk).status == "partially_refunded"


@pytest.mark.parametrize(
    ("make_receipt", "code", "status"),
    [
        (lambda order, pay: pay(order, price=1), "amount_mismatch", 409),
        (lambda order, pay: pay(order, order_id="ord_other"), "receipt_order_mismatch", 409),
        (lambda order, pay: "not a receipt!", "validation_error", 400),
    ],
)
def test_verify_refusals_carry_their_code(as_buyer, make_order, pay_at_pg, make_receipt, code, status):
    order = make_order()

    response = verify(as_buyer, order, make_receipt(order, pay_at_pg))

    assert response.status_code == status and response.json()["code"] == code


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"mode": "hang", "latency_s": 10}, 503, "gateway_unavailable"),
        ({"mode": "html_502"}, 503, "gateway_unavailable"),
        ({"mode": "error_code", "error_code": "RC_CANCEL_SERVER_ERROR"}, 502, "gateway_error"),
    ],
)
def test_cancel_over_http_maps_gateway_faults(
    make_user, api_client_for, buyer, make_order, pay_at_pg, bootpay, fault, status, code
):
    order = make_order()
    payment = verify(api_client_for(buyer), order, pay_at_pg(order)).json()
    bootpay.state.add_fault(path="cancel", times=1, **fault)
    staff = api_client_for(make_user("ops", is_staff=True))

    response = staff.post(
        f"/api/v1/payments/{payment['payment_id']}/cancel/", {"reason": "x", "amount": 1000}, format="json"
    )

    assert response.status_code == status and response.json()["code"] == code


def test_cancel_with_the_same_idempotency_key_cancels_once(
    make_user, api_client_for, buyer, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(10_000,))
    payment = verify(api_client_for(buyer), order, pay_at_pg(order)).json()
    staff = api_client_for(make_user("ops", is_staff=True))
    url = f"/api/v1/payments/{payment['payment_id']}/cancel/"

    responses = [
        staff.post(url, {"reason": "x", "amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
        for _ in range(3)
    ]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert responses[-1].json()["payment"]["cancelled_amount"] == 1000
    assert len({response.json()["cancellation"]["cancel_id"] for response in responses}) == 1
    assert bootpay.state.call_count("POST", "cancel") == 1


def test_a_refused_refund_of_a_rejected_charge_is_retried_on_the_next_notice(
    as_buyer, make_order, pay_at_pg, bootpay, client
):
    # given a tampered charge whose automatic refund Bootpay refused once
    order = make_order(prices=(10_000,))
    receipt_id = pay_at_pg(order, price=100)
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)
    assert verify(as_buyer, order, receipt_id).json()["code"] == "amount_mismatch"
    assert bootpay.state.get_receipt(receipt_id)["cancelled_price"] == 0

    # when Bootpay's "paid" notice arrives
    post_webhook(client, bootpay.state.get_receipt(receipt_id), webhook_type="PAYMENT_COMPLETED")

    # then the money goes back after all, and the payment stays failed
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert bootpay.state.get_receipt(receipt_id)["cancelled_price"] == 100
    assert (payment.status, payment.cancelled_amount) == ("failed", 100)
    assert list(payment.cancellations.values_list("state", flat=True)) == ["failed", "succeeded"]
    assert Order.objects.get(pk=order.pk).status == "pending_payment"
