"""Webhooks as Bootpay sends them: over real HTTP from the emulator, processed after the answer."""

import json

import pytest
import requests
from kombu.exceptions import OperationalError
from rest_framework.throttling import ScopedRateThrottle

from orders.models import Order
from payments.models import Payment, WebhookDelivery
from payments.sandbox import send_webhook
from payments.services import payment_verify
from payments.webhooks import tasks

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"


@pytest.mark.django_db(transaction=True)
def test_the_emulator_delivers_a_deposit_notice_to_the_running_server(
    live_server, make_order, pay_at_pg, bootpay, settings
):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    bootpay.state.deposit(receipt_id)

    result = send_webhook(bootpay.state.get_receipt(receipt_id), live_server.url + WEBHOOK_PATH)

    assert result["delivered"] is True and result["attempts"] == 1  # 200 and {"success": true}
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_enqueues_the_delivery_once_it_is_committed(
    make_order, pay_at_pg, bootpay, client, monkeypatch
):
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    enqueued = []

    def delay(delivery_pk):
        # the delivery is committed (visible to a worker's own connection) when the task is sent
        assert WebhookDelivery.objects.filter(pk=delivery_pk, state="received").exists()
        enqueued.append(delivery_pk)

    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", delay)

    response = client.post(WEBHOOK_PATH, json.dumps(receipt), content_type="application/json")

    assert response.status_code == 200 and response.json() == {"success": True}
    assert enqueued == [WebhookDelivery.objects.get().pk]
    assert Order.objects.get(pk=order.pk).status == "pending_payment"  # left to the worker


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_leaves_the_delivery_for_the_sweep(
    make_order, pay_at_pg, bootpay, client, monkeypatch, settings, caplog
):
    settings.WEBHOOK_SWEEP_GRACE_S = 0
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))

    def broker_down(delivery_pk):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", broker_down)
    response = client.post(WEBHOOK_PATH, json.dumps(receipt), content_type="application/json")

    assert response.status_code == 200  # still acknowledged: the delivery is stored
    assert "left for the sweep" in caplog.text
    assert WebhookDelivery.objects.get().state == "received"
    assert tasks.sweep_webhook_deliveries.delay().get() == {"processed": 1}
    assert WebhookDelivery.objects.get().state == "processed"
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db
def test_an_anonymous_flood_is_throttled(client, monkeypatch):
    # DRF binds the rates when rest_framework.throttling is imported: patch them where they are read.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"bootpay_webhook": "3/min"})

    codes = [
        client.post(WEBHOOK_PATH, json.dumps({"receipt_id": f"{i:024x}"}), content_type="application/json")
        for i in range(5)
    ]

    assert [response.status_code for response in codes] == [200, 200, 200, 429, 429]
    assert codes[-1].json()["code"] == "throttled"
    assert WebhookDelivery.objects.count() == 3


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_storing(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100

    response = client.post(
        WEBHOOK_PATH, json.dumps({"receipt_id": "a" * 24, "pad": "x" * 200}), content_type="application/json"
    )

    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_body_with_nul_bytes_is_refused_before_storing(client):
    response = client.post(WEBHOOK_PATH, b'{"receipt_id": "\x00"}', content_type="application/json")

    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_body_above_djangos_upload_limit_is_a_400_not_a_500(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = client.post(WEBHOOK_PATH, b"{" + b" " * 5_000 + b"}", content_type="application/json")

    assert response.status_code == 400 and response.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_behind_our_proxy_the_allowlist_checks_the_forwarded_address(client, settings, monkeypatch):
    from rest_framework.settings import api_settings

    settings.BOOTPAY_WEBHOOK_ALLOWED_IPS = ["223.130.82.0/24"]
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    body = json.dumps({"receipt_id": "a" * 24, "status": 1})

    from_bootpay = client.post(
        WEBHOOK_PATH, body, content_type="application/json", HTTP_X_FORWARDED_FOR="223.130.82.17"
    )
    spoofed = client.post(
        WEBHOOK_PATH, body, content_type="application/json", HTTP_X_FORWARDED_FOR="223.130.82.17, 10.9.8.7"
    )

    assert from_bootpay.status_code == 200
    assert spoofed.status_code == 403  # the address our proxy saw is the last one, not what the client wrote


@pytest.mark.django_db(transaction=True)
def test_a_forged_notice_does_not_shadow_the_real_one_that_follows(
    live_server, api_client, buyer, make_order, pay_at_pg, bootpay, settings
):
    # given a paid card payment and an anonymous forged "partial cancel" notice, body for body what
    # Bootpay will send once the cancel really happens
    order = make_order(prices=(10_000,))
    receipt_id = pay_at_pg(order)
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    forged = {
        "receipt_id": receipt_id,
        "webhook_type": "PAYMENT_PARTIAL_CANCELLED",
        "status": 20,
        "cancelled_price": 5_000,
    }
    answer = api_client.post(WEBHOOK_PATH, json.dumps(forged), content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"success": True}
    assert Payment.objects.get(receipt_id=receipt_id).cancelled_amount == 0  # the body was only a hint

    # when Bootpay's admin really cancels 5,000 and Bootpay sends its notice over HTTP
    bootpay.state.cancel(receipt_id, cancel_price=5_000, cancel_id="admin-1")
    sent = requests.post(
        f"{bootpay.url}/_sandbox/receipts/{receipt_id}/webhook",
        json={"url": live_server.url + WEBHOOK_PATH},
        timeout=10,
    ).json()

    # then the real notice is acknowledged and the cancel is booked
    assert sent["delivered"] is True
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 5_000)
    assert payment.events.filter(kind="cancelled_at_pg").count() == 1
    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [delivery.state for delivery in deliveries] == ["processed", "processed"]
    assert deliveries[0].dedupe_key == deliveries[1].dedupe_key  # the forgery did match the real notice
