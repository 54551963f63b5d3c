"""Queues per workload with real workers on real Redis (config/celery_queues.py, docs/scaling.md).

A renewal burst queued in `billing` must not hold up Bootpay's webhooks: with a worker per workload the
webhook worker never sees the billing backlog, and the Procfile's single worker (no `-Q`) takes every queue
in turn, so a webhook waits for a task or two of the burst, not for all of it.
"""

import json

import pytest
import redis

from config.celery import app
from config.celery_queues import BILLING_QUEUE, QUEUES, WEBHOOKS_QUEUE
from orders.models import Order
from payments.models import WebhookDelivery
from payments.webhooks import tasks
from payments.webhooks.services import webhook_receive
from tests.workers.harness import machine_redis_url, wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(machine_redis_url() is None, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.timeout(90),
]

RENEWALS = "payments.tasks.charge_due_subscriptions"  # the billing queue's beat task (nothing due here)
BURST = 300


def _queued(broker_url: str, queue: str) -> int:
    return redis.Redis.from_url(broker_url).llen(queue)  # kombu's Redis transport: one list per queue


def _paid_webhook(make_order, pay_at_pg, bootpay) -> tuple[Order, WebhookDelivery]:
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    body = json.dumps(receipt).encode()
    delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
    return order, delivery


def _renewal_burst() -> None:
    for _ in range(BURST):
        app.send_task(RENEWALS)


def test_a_webhook_worker_books_a_payment_while_a_renewal_burst_waits_in_billing(
    broker, workers, make_order, pay_at_pg, bootpay
):
    # given a renewal burst queued in billing, and a webhook delivery queued after it
    _renewal_burst()
    order, delivery = _paid_webhook(make_order, pay_at_pg, bootpay)
    tasks.process_webhook_delivery.delay(delivery.pk)
    assert _queued(broker, BILLING_QUEUE) == BURST and _queued(broker, WEBHOOKS_QUEUE) == 1

    # when the webhooks' own worker runs (the billing workers are busy elsewhere, or not started)
    workers("webhooks", broker, queues=(WEBHOOKS_QUEUE,)).wait_ready()

    # then the payment is booked, and the burst is untouched: the webhook did not wait behind it
    wait_until(lambda: Order.objects.get(pk=order.pk).status == "paid", timeout=30, what="the payment")
    wait_until(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).state == "processed", timeout=20, what="processed"
    )
    assert _queued(broker, BILLING_QUEUE) == BURST


def test_the_procfile_worker_takes_every_queue_in_turn_so_a_webhook_skips_the_burst(
    broker, workers, make_order, pay_at_pg, bootpay
):
    # given the same burst ahead of a webhook
    _renewal_burst()
    order, delivery = _paid_webhook(make_order, pay_at_pg, bootpay)
    tasks.process_webhook_delivery.delay(delivery.pk)

    # when one worker without -Q (as the Procfile starts it), one task at a time, drains everything
    worker = workers("all-queues", broker, pool="solo", concurrency=1).wait_ready()

    # then the webhook is processed while most of the burst still waits: queues are read in turn, not FIFO
    wait_until(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).state == "processed", timeout=30, what="processed"
    )
    assert _queued(broker, BILLING_QUEUE) > BURST // 2
    assert Order.objects.get(pk=order.pk).status == "paid"
    # and the burst is consumed too: the worker takes every queue
    wait_until(lambda: _queued(broker, BILLING_QUEUE) == 0, timeout=60, what="the burst to drain")
    wait_until(lambda: worker.succeeded(RENEWALS) == BURST, timeout=20, what="every renewal run logged")


def test_a_worker_without_queues_consumes_each_declared_queue(broker, workers):
    # given one task in each queue
    per_queue = {
        "celery": "orders.tasks.expire_unpaid_orders",
        "webhooks": "payments.tasks.process_webhook_delivery",
        "billing": RENEWALS,
        "events": "payments.events.tasks.events_dispatch_task",
    }
    assert set(per_queue) == set(QUEUES)
    for queue, task in per_queue.items():
        app.send_task(task, args=(0,) if queue == "webhooks" else ())  # delivery 0: none, a no-op
        assert _queued(broker, queue) == 1

    # when the Procfile's worker shape runs
    worker = workers("procfile", broker).wait_ready()

    # then every queue is drained and each task ran
    wait_until(lambda: all(_queued(broker, q) == 0 for q in QUEUES), timeout=30, what="all queues drained")
    for task in per_queue.values():
        wait_until(lambda task=task: worker.succeeded(task) == 1, timeout=20, what=f"{task} logged")
