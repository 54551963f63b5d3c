"""Renewals fanned out to real Celery workers (subprocesses) on real Redis, against the emulator: the
scheduler enqueues each due subscription once however often it ticks, two workers charge each period once,
and a concurrency ceiling lower than the worker slots re-queues the refused tasks without losing a charge.

Needs PostgreSQL (the workers share the test database) and REDIS_URL."""

import pytest

from orders.models import Seller
from payments.billing.models import SubscriptionCharge
from payments.billing.services import subscriptions_enqueue_due
from payments.billing.tasks import enqueue_renewal
from tests.billing_support import emulator_due_subscriptions
from tests.workers.harness import machine_redis_url, wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(machine_redis_url() is None, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.timeout(120),
]

CHARGE = "payments.billing.tasks.charge_subscription"


def test_two_workers_under_a_ceiling_charge_each_due_renewal_once_however_often_the_scheduler_ticks(
    broker, workers, bootpay, buyer, make_user
):
    # given 30 renewals due, each charge at the emulator taking 50 ms
    seller = Seller.objects.create(user=make_user("renewal-shop"), name="renewal-shop")
    subscriptions = emulator_due_subscriptions(bootpay, buyer, seller, 30)
    bootpay.state.add_fault(path="subscribe/payment", mode="latency", latency_s=0.05)

    # when the scheduler ticks three times while two workers (4 slots) charge at most 2 at once
    enqueued = [subscriptions_enqueue_due(enqueue=enqueue_renewal)]
    ceiling = {"BILLING_CHARGE_CONCURRENCY": 2, "BILLING_CHARGES_PER_SECOND": 0}
    first = workers("renew-1", broker, pool="prefork", concurrency=2, **ceiling)
    second = workers("renew-2", broker, pool="prefork", concurrency=2, **ceiling)
    enqueued.append(subscriptions_enqueue_due(enqueue=enqueue_renewal))
    first.wait_ready(), second.wait_ready()
    enqueued.append(subscriptions_enqueue_due(enqueue=enqueue_renewal))
    renewals = SubscriptionCharge.objects.filter(subscription__in=subscriptions, period=2)
    wait_until(lambda: renewals.filter(state="paid").count() == 30, timeout=60, what="30 renewals paid")

    # then each was enqueued once and charged once, the refused re-queued and charged later
    assert enqueued == [30, 0, 0]
    for charge in renewals.select_related("order"):
        assert len(bootpay.state.list_receipts(charge.order.order_id)) == 1
    assert bootpay.state.call_count("POST", "subscribe/payment") == 30 + 30  # first periods, renewals
    wait_until(
        lambda: first.succeeded(CHARGE) + second.succeeded(CHARGE) == 30, timeout=20, what="30 tasks logged"
    )
    logs = first.log() + second.log()
    assert logs.count(": charged") == 30
    assert "limited, again in" in logs  # 4 slots, 2 allowed at once: some were refused and re-queued
    assert subscriptions_enqueue_due(enqueue=enqueue_renewal) == 0  # charged: none due
