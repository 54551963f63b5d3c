"""payments/webhooks/metrics.py: deliveries received, processed and failed are counted as they happen,
and the backlog (count, oldest age) is read at scrape time."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from payments.models import WebhookDelivery
from payments.webhooks.metrics import webhook_backlog_collect
from payments.webhooks.services import webhook_process, webhook_receive
from tests.metrics_support import sample

pytestmark = pytest.mark.django_db


def store(body: bytes) -> WebhookDelivery:
    return webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)


def backlog() -> dict[str, float]:
    return {family.name: family.samples[0].value for family in webhook_backlog_collect()}


def test_a_delivery_is_counted_received_then_processed(make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    received, processed = (
        sample("bootpay_webhook_deliveries_received_total", valid="true"),
        sample("bootpay_webhook_deliveries_processed_total", state="processed"),
    )

    delivery = store(json.dumps(receipt).encode())
    assert sample("bootpay_webhook_deliveries_received_total", valid="true") == received + 1
    webhook_process(delivery_pk=delivery.pk)

    assert sample("bootpay_webhook_deliveries_processed_total", state="processed") == processed + 1


def test_a_body_without_receipt_is_counted_invalid():
    before = sample("bootpay_webhook_deliveries_received_total", valid="false")
    with pytest.raises(DomainError):
        store(b'{"hello": "world"}')
    assert sample("bootpay_webhook_deliveries_received_total", valid="false") == before + 1


def test_a_failed_round_is_counted_failed(make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)
    before = sample("bootpay_webhook_deliveries_failed_total")

    delivery = store(json.dumps(receipt).encode())
    assert webhook_process(delivery_pk=delivery.pk).state == "failed"

    assert sample("bootpay_webhook_deliveries_failed_total") == before + 1


def test_the_backlog_and_its_oldest_age_are_read_at_scrape_time(make_order, pay_at_pg, bootpay):
    assert backlog() == {
        "bootpay_webhook_backlog": 0,
        "bootpay_webhook_oldest_unprocessed_age_seconds": 0,
    }
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    old, new = store(json.dumps(receipt).encode()), store(json.dumps(receipt).encode())
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    WebhookDelivery.objects.create(raw_body="{}", dedupe_key="done", state="processed")

    figures = backlog()

    assert figures["bootpay_webhook_backlog"] == 2
    assert 600 <= figures["bootpay_webhook_oldest_unprocessed_age_seconds"] < 700
    webhook_process(delivery_pk=new.pk)  # takes both: the receipt's waiting deliveries go together
    assert backlog()["bootpay_webhook_backlog"] == 0
