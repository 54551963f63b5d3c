"""Automatic payments end to end over REST, against the Bootpay emulator through the real SDK: a card
issued at Bootpay, registered, subscribed; each period an ordinary order and payment that the payment
endpoints show and refund like any other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.billing.models import Subscription
from payments.billing.services import subscriptions_charge_due
from tests.billing_support import issue_card

pytestmark = pytest.mark.django_db

STATUS_CANCELLED = 20


def test_card_subscription_charge_and_refund(api_client_for, buyer, make_product, bootpay):
    client = api_client_for(buyer)
    product = make_product(price=12_000, stock=5, subscription_interval="month")

    # 1. The key request, then what requestSubscription does in the browser: the control route issues the
    # card at Bootpay and answers the issuance receipt.
    key_request = client.post("/api/v1/billing-keys/requests/").json()
    issued = issue_card(bootpay, key_request["subscription_id"])
    # 2. The browser hands the receipt to us; we fetch the key from Bootpay and keep it encrypted.
    key = client.post("/api/v1/billing-keys/", {"receipt_id": issued["receipt_id"]}, format="json").json()
    assert key["status"] == "active" and key["card_number_masked"] == "51234567****1234"
    # 3. Subscribe: the first period is charged at once with the key.
    response = client.post(
        "/api/v1/subscriptions/",
        {"product_id": product.pk, "billing_key_id": key["billing_key_id"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    subscription = response.json()
    [charge] = subscription["charges"]
    assert charge["status"] == "paid"

    # The charge is an ordinary order and payment: listed, shown and refunded by the payment endpoints.
    payments = client.get("/api/v1/payments/").json()["results"]
    [listed] = [row for row in payments if row["payment_id"] == charge["payment_id"]]
    assert (listed["order_id"], listed["status"], listed["amount"]) == (charge["order_id"], "paid", 12_000)
    order = client.get(f"/api/v1/orders/{charge['order_id']}/").json()
    assert (order["status"], order["total_amount"]) == ("paid", 12_000)
    assert [item["product_id"] for item in order["items"]] == [product.pk]
    receipt = bootpay.state.get_receipt(listed["receipt_id"])
    assert (receipt["order_id"], receipt["price"], receipt["method_symbol"]) == (
        charge["order_id"],
        12_000,
        "card_rebill_rest",
    )

    refund = client.post(
        f"/api/v1/payments/{charge['payment_id']}/cancel/",
        {"reason": "첫 달 환불"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )

    assert refund.status_code == 200, refund.content
    assert refund.json()["payment"]["status"] == "cancelled"
    receipt = bootpay.state.get_receipt(listed["receipt_id"])
    assert (receipt["status"], receipt["cancelled_price"]) == (STATUS_CANCELLED, 12_000)
    # A refund gives money back; it does not end the subscription.
    shown = client.get(f"/api/v1/subscriptions/{subscription['subscription_id']}/").json()
    assert shown["status"] == "active" and shown["charges"][0]["payment_id"] == charge["payment_id"]


def test_the_next_period_is_charged_by_the_beat_and_cancelling_stops_it(
    api_client_for, buyer, make_product, bootpay
):
    client = api_client_for(buyer)
    product = make_product(price=5_500, stock=5, subscription_interval="week")
    # The TEST PAYMENT panel's way to a card: the sandbox endpoint stands in for requestSubscription.
    key_request = client.post("/api/v1/billing-keys/requests/").json()
    issuance = client.post(
        "/api/v1/sandbox/billing-keys/", {"subscription_id": key_request["subscription_id"]}, format="json"
    )
    assert issuance.status_code == 201, issuance.content
    key = client.post("/api/v1/billing-keys/", issuance.json(), format="json").json()
    subscription = client.post(
        "/api/v1/subscriptions/",
        {"product_id": product.pk, "billing_key_id": key["billing_key_id"]},
        format="json",
    ).json()
    due = Subscription.objects.get(subscription_id=subscription["subscription_id"]).next_charge_at
    assert due - timezone.now() > timedelta(days=6)

    assert subscriptions_charge_due(now=due) == {"charged": 1}  # a week later

    shown = client.get(f"/api/v1/subscriptions/{subscription['subscription_id']}/").json()
    assert [(c["period"], c["status"]) for c in shown["charges"]] == [(1, "paid"), (2, "paid")]
    assert shown["current_period"] == 2 and shown["next_charge_at"] > subscription["next_charge_at"]
    orders = {row["order_id"] for row in client.get("/api/v1/payments/").json()["results"]}
    assert {c["order_id"] for c in shown["charges"]} <= orders
    assert len({c["order_id"] for c in shown["charges"]}) == 2  # one ordinary order per period

    cancelled = client.post(f"/api/v1/subscriptions/{subscription['subscription_id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert subscriptions_charge_due(now=due + timedelta(days=30)) == {}
    assert len(client.get(f"/api/v1/subscriptions/{subscription['subscription_id']}/").json()["charges"]) == 2
