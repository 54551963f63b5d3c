"""The endpoint's dispatch (payments/webhooks/services.py `webhook_dispatch`): one queued dispatch per
burst, one processing task per receipt, no delivery queued twice, nothing lost when the broker is down."""

import json

import pytest
from django.core.cache import cache

from payments.models import WebhookDelivery
from payments.webhooks import services, tasks
from payments.webhooks.services import DISPATCH_QUEUED_KEY, webhooks_dispatch

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, receipt_id: str):
    body = json.dumps({"receipt_id": receipt_id, "status": 1})
    response = client.post(WEBHOOK_PATH, body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"success": True}


@pytest.fixture
def sent(monkeypatch):
    """What would reach the broker: dispatches queued, processing tasks enqueued (nothing runs)."""
    record = {"dispatches": 0, "processed": []}

    def dispatch():
        record["dispatches"] += 1

    monkeypatch.setattr(tasks.dispatch_webhook_deliveries, "delay", dispatch)
    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", record["processed"].append)
    return record


def test_a_burst_queues_one_dispatch_and_each_receipt_one_task(client, sent):
    receipts = ["a" * 24, "b" * 24]
    for receipt_id in receipts * 3:  # Bootpay's repeats arrive with the others
        post(client, receipt_id)

    assert sent["dispatches"] == 1  # the rest found one queued
    assert webhooks_dispatch() == 2
    first = {
        receipt_id: WebhookDelivery.objects.filter(receipt_id=receipt_id).order_by("pk").first().pk
        for receipt_id in receipts
    }
    assert sorted(sent["processed"]) == sorted(first.values())
    assert not WebhookDelivery.objects.filter(queued_at=None).exists()


def test_a_delivery_stored_once_the_dispatch_started_queues_the_next_one(client, sent):
    post(client, "a" * 24)
    webhooks_dispatch()  # clears the key before it reads

    post(client, "b" * 24)

    assert sent["dispatches"] == 2
    assert webhooks_dispatch() == 1 and webhooks_dispatch() == 0  # nothing queued twice
    assert len(sent["processed"]) == 2


def test_a_full_batch_queues_another_dispatch(client, sent, monkeypatch):
    for receipt_id in ("a" * 24, "b" * 24, "c" * 24):
        post(client, receipt_id)
    cache.delete(DISPATCH_QUEUED_KEY)

    assert webhooks_dispatch(limit=2) == 2
    assert sent["dispatches"] == 2  # the endpoint's, and the one for what the batch left
    assert webhooks_dispatch(limit=2) == 1


def test_with_the_cache_down_every_delivery_queues_a_dispatch(client, sent, monkeypatch):
    def cache_down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services.cache, "add", cache_down)
    post(client, "a" * 24)
    post(client, "b" * 24)

    assert sent["dispatches"] == 2


def test_a_broker_down_still_answers_and_leaves_the_delivery_received(client, monkeypatch, caplog):
    def broker_down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.dispatch_webhook_deliveries, "delay", broker_down)

    post(client, "a" * 24)

    assert "could not enqueue the webhook dispatch; left for its beat sweep" in caplog.text
    assert WebhookDelivery.objects.get().state == "received"
