"""Real Celery workers (subprocesses) on real Redis, against this test's database and the emulator.

Needs PostgreSQL (the workers share the test database) and REDIS_URL (the machine's Redis); the broker
outage test runs a redis-server of its own, never touching the machine's.
"""

import json
import time

import pytest
from django.test import Client

from orders.models import Order
from payments.models import Payment, PaymentEvent, WebhookDelivery
from payments.sandbox import send_webhook
from payments.webhooks import tasks
from payments.webhooks.services import webhook_receive
from tests.workers.harness import (
    RedisServer,
    machine_redis_url,
    publishing_to,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(machine_redis_url() is None, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.timeout(90),
]

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"
PROCESS = "payments.tasks.process_webhook_delivery"
SWEEP = "payments.tasks.sweep_webhook_deliveries"


def store(receipt: dict) -> WebhookDelivery:
    body = json.dumps(receipt).encode()
    return webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)


def pending() -> int:
    return WebhookDelivery.objects.filter(state__in=["received", "processing"]).count()


def test_a_webhook_goes_from_the_endpoint_through_the_worker_to_a_paid_order(
    live_server, broker, workers, make_order, pay_at_pg, bootpay
):
    worker = workers("e2e", broker).wait_ready()
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    bootpay.state.deposit(receipt_id)

    started = time.monotonic()
    result = send_webhook(bootpay.state.get_receipt(receipt_id), live_server.url + WEBHOOK_PATH)
    answered_in = time.monotonic() - started

    assert result["delivered"] is True  # 200 {"success": true}, before any processing
    assert answered_in < 2
    wait_until(
        lambda: Order.objects.get(pk=order.pk).status == "paid",
        timeout=20,
        what="the worker to pay the order",
    )
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"
    # The delivery is marked in its own transaction, right after the booking's commit (and what runs on it).
    wait_until(
        lambda: WebhookDelivery.objects.get().state == "processed",
        timeout=20,
        what="the worker to mark the delivery processed",
    )
    # The worker logs the task's success after the task returns, which is after the delivery's commit.
    wait_until(
        lambda: worker.succeeded(PROCESS) >= 1, timeout=20, what="the worker to log the task's success"
    )
    assert worker.succeeded(PROCESS) == 1


def test_two_workers_drain_200_deliveries_each_once_and_book_each_payment_once(
    broker, workers, make_order, pay_at_pg, bootpay
):
    # given 100 receipts paid at Bootpay, each notified twice (Bootpay repeats itself): 200 deliveries
    orders = [make_order() for _ in range(100)]
    deliveries = []
    for order in orders:
        receipt = bootpay.state.get_receipt(pay_at_pg(order))
        deliveries += [store(receipt), store(receipt)]
    for delivery in deliveries:
        tasks.process_webhook_delivery.delay(delivery.pk)

    # when two workers (one prefork, one threaded) drain the queue at once
    first = workers("drain-prefork", broker, pool="prefork", concurrency=2)
    second = workers("drain-threads", broker, pool="threads", concurrency=2)
    first.wait_ready(), second.wait_ready()
    wait_until(lambda: pending() == 0, timeout=40, what="the workers to drain the deliveries", interval=0.2)

    # then each delivery was processed once, and each payment booked paid once
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert WebhookDelivery.objects.count() == 200
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    paid_transitions = PaymentEvent.objects.filter(to_status="paid")
    assert paid_transitions.count() == Payment.objects.count() == 100
    assert paid_transitions.values("payment").distinct().count() == 100
    assert 100 <= bootpay.state.call_count("GET", "receipt") <= 200  # duplicates coalesce, or re-fetch
    # both workers took part
    wait_until(
        lambda: first.succeeded(PROCESS) + second.succeeded(PROCESS) == 200,
        timeout=10,
        what="all tasks logged",
    )
    assert first.succeeded(PROCESS) > 0 and second.succeeded(PROCESS) > 0


def test_deliveries_enqueued_while_the_broker_is_down_are_swept_after_it_returns(
    workers, make_order, pay_at_pg, bootpay
):
    redis_server = RedisServer().start()
    try:
        with publishing_to(redis_server.url):
            _broker_outage(redis_server, workers, make_order, pay_at_pg, bootpay)
    finally:
        redis_server.stop()


def _broker_outage(redis_server, workers, make_order, pay_at_pg, bootpay):
    # given a worker on our own Redis, processing deliveries (each receipt lookup takes a little while).
    # Prefork, as the Procfile runs it: under the threads pool kombu 5.7 can crash the worker when the
    # broker goes away mid-ack (AttributeError in the channel's restore of unacked messages).
    worker = workers("outage", redis_server.url, pool="prefork", concurrency=2, WEBHOOK_SWEEP_GRACE_S=0)
    worker.wait_ready()
    bootpay.state.add_fault(path="receipt", mode="latency", latency_s=0.05)
    receipts = [bootpay.state.get_receipt(pay_at_pg(make_order())) for _ in range(30)]
    before = [store(receipt) for receipt in receipts[:20]]
    for delivery in before:
        tasks.process_webhook_delivery.delay(delivery.pk)
    wait_until(
        lambda: WebhookDelivery.objects.filter(state="processed").count() >= 3,
        timeout=20,
        what="the worker to start processing",
    )

    # when the broker stops mid-run (its queue is lost: no persistence) and Bootpay notifies again
    redis_server.stop()
    client = Client()
    for receipt in receipts[20:]:
        started = time.monotonic()
        response = client.post(WEBHOOK_PATH, json.dumps(receipt), content_type="application/json")
        assert response.status_code == 200 and response.json() == {"success": True}
        # The enqueue gives up (a bounded publish retry) instead of reconnecting forever: Bootpay still gets
        # its answer. A bound on a hang, not a speed: generous for a loaded machine.
        assert time.monotonic() - started < 10
    assert WebhookDelivery.objects.count() == 30
    left = WebhookDelivery.objects.filter(state="received").count()
    assert left >= 10  # at least the ten stored while the broker was down wait, `received`

    # then, once the broker is back, one sweep processes everything: nothing is lost
    redis_server.start()
    # The worker's second "Connected" line (its reconnect backs off 2 s, 4 s, 6 s… while the broker is down).
    wait_until(lambda: worker.log().count("Connected to redis") >= 2, timeout=60, what="reconnect")
    tasks.sweep_webhook_deliveries.delay()
    try:
        wait_until(lambda: pending() == 0, timeout=30, what="the sweep to process all", interval=0.2)
    finally:  # shown when the test fails
        print(list(WebhookDelivery.objects.values_list("pk", "state", "claimed_at", "attempts")))
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"processed"}
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    assert PaymentEvent.objects.filter(to_status="paid").count() == 30
    # Logged once the task returns, after its last commit.
    wait_until(lambda: worker.succeeded(SWEEP) >= 1, timeout=20, what="the worker to log the sweep's success")
