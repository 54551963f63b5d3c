"""`POST /api/v1/sandbox/payments/`: the TEST PAYMENT panel's receipts, in sandbox mode only."""

import time

import pytest
from django.test import Client

from orders.models import Order
from payments.models import Payment

URL = "/api/v1/sandbox/payments/"


@pytest.fixture
def order(make_order):
    return make_order(prices=(30_000, 12_000), tax_free=(1,))


def _create(client, order_id, scenario):
    return client.post(URL, {"order_id": order_id, "scenario": scenario}, format="json")


@pytest.mark.parametrize("mode", ["production", "development"])
def test_outside_sandbox_mode_the_endpoint_does_not_exist(
    mode, settings, order, buyer, api_client_for, bootpay
):
    settings.BOOTPAY_MODE = mode
    for client in (api_client_for(buyer), api_client_for(None)):
        response = _create(client, order.order_id, "paid")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert bootpay.state.list_receipts(order.order_id) == []


@pytest.mark.parametrize(
    ("scenario", "event", "status"),
    [("paid", "done", 1), ("confirm", "confirm", 2), ("vbank", "issued", 5), ("failed", "error", -2)],
)
def test_each_scenario_creates_the_receipt_at_the_orders_price(
    scenario, event, status, order, buyer, api_client_for, bootpay
):
    response = _create(api_client_for(buyer), order.order_id, scenario)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["event"] == event
    assert body["order_id"] == order.order_id
    assert bool(body["error_code"]) == (event == "error")
    receipt = bootpay.state.get_receipt(body["receipt_id"])
    assert (receipt["order_id"], receipt["price"], receipt["tax_free"], receipt["status"]) == (
        order.order_id,
        42_000,
        12_000,
        status,
    )


def test_the_paid_receipt_verifies_and_the_tampered_one_is_refused_and_refunded(
    order, buyer, api_client_for, bootpay
):
    client = api_client_for(buyer)
    tampered = _create(client, order.order_id, "tampered").json()
    assert bootpay.state.get_receipt(tampered["receipt_id"])["price"] != order.total_amount
    refused = client.post(
        "/api/v1/payments/verify/",
        {"order_id": order.order_id, "receipt_id": tampered["receipt_id"]},
        format="json",
    )
    assert refused.json()["code"] == "amount_mismatch"
    assert bootpay.state.get_receipt(tampered["receipt_id"])["status"] == 20  # refunded at the PG

    paid = _create(client, order.order_id, "paid").json()
    verified = client.post(
        "/api/v1/payments/verify/",
        {"order_id": order.order_id, "receipt_id": paid["receipt_id"]},
        format="json",
    )
    assert verified.status_code == 200, verified.content
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_small_order_is_tampered_upwards(make_order, buyer, api_client_for, bootpay):
    order = make_order(prices=(500,))
    body = _create(api_client_for(buyer), order.order_id, "tampered").json()
    assert bootpay.state.get_receipt(body["receipt_id"])["price"] == 1_500


def test_only_the_orders_buyer_gets_a_receipt(order, make_user, make_seller, api_client_for, bootpay):
    stranger = _create(api_client_for(make_user()), order.order_id, "paid")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "order_not_found")
    seller_user = order.items.first().seller.user
    seller = _create(api_client_for(seller_user), order.order_id, "paid")
    assert (seller.status_code, seller.json()["code"]) == (403, "permission_denied")
    anonymous = _create(api_client_for(None), order.order_id, "paid")
    assert anonymous.status_code in (401, 403)
    assert bootpay.state.list_receipts(order.order_id) == []


@pytest.mark.parametrize(
    "body",
    [
        {"order_id": "x", "scenario": "free-money"},
        {"scenario": "paid"},
        {"order_id": "x"},
        {"order_id": ["a"]},
    ],
)
def test_bad_input_is_a_validation_error(body, buyer, api_client_for, bootpay):
    response = api_client_for(buyer).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


def test_the_emulator_not_answering_is_gateway_unavailable(order, buyer, api_client_for, make_gateway, db):
    from payments import gateway

    gateway.set_gateway(make_gateway(api_url="http://127.0.0.1:9/v2", timeout_s=0.5))
    try:
        response = _create(api_client_for(buyer), order.order_id, "paid")
    finally:
        gateway.set_gateway(None)
    assert (response.status_code, response.json()["code"]) == (503, "gateway_unavailable")
    assert not Payment.objects.exists()


def test_the_browser_session_needs_its_csrf_token(order, buyer, bootpay):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    refused = client.post(
        URL, {"order_id": order.order_id, "scenario": "paid"}, content_type="application/json"
    )
    assert refused.status_code == 403
    client.get("/checkout/")  # the SPA page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        URL,
        {"order_id": order.order_id, "scenario": "paid"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201, accepted.content


def test_an_escrow_payment_for_an_order_from_one_seller(make_order, buyer, api_client_for, bootpay):
    one_shop = make_order(prices=(30_000,))
    client = api_client_for(buyer)

    escrow = {"order_id": one_shop.order_id, "scenario": "paid", "escrow": True}
    body = client.post(URL, escrow, format="json")
    assert body.status_code == 201, body.content
    receipt = bootpay.state.get_receipt(body.json()["receipt_id"])
    assert receipt["escrow_data"]["shipping_started_at"] is None and receipt["escrow_status"]
    verified = client.post(
        "/api/v1/payments/verify/",
        {"order_id": one_shop.order_id, "receipt_id": receipt["receipt_id"]},
        format="json",
    )
    assert verified.status_code == 200, verified.content
    assert Payment.objects.get(receipt_id=receipt["receipt_id"]).escrow is True


def test_an_order_from_two_sellers_is_not_paid_by_escrow(order, buyer, api_client_for, bootpay):
    response = api_client_for(buyer).post(
        URL, {"order_id": order.order_id, "scenario": "paid", "escrow": True}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert "escrow" in response.json()["details"]["fields"]
    assert bootpay.state.list_receipts(order.order_id) == []


@pytest.mark.parametrize(
    ("scenario", "notified"),
    [("paid", (1, "PAYMENT_COMPLETED")), ("vbank", (5, "PAYMENT_VIRTUAL_ACCOUNT_ISSUED")), ("confirm", None)],
)
def test_the_panels_receipt_is_notified_as_bootpay_would(
    scenario, notified, order, buyer, api_client_for, bootpay, receiver
):
    # `receiver` is the emulator's configured webhook URL (tests/payments/sandbox/conftest.py)
    body = _create(api_client_for(buyer), order.order_id, scenario).json()

    if notified is None:  # awaiting our approval: Bootpay notifies only once it is confirmed
        time.sleep(0.3)
        assert receiver.received == []
        return
    [delivered] = receiver.payloads(1)
    assert (delivered["receipt_id"], delivered["order_id"]) == (body["receipt_id"], order.order_id)
    assert (delivered["status"], delivered["webhook_type"]) == notified
