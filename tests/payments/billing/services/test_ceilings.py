"""The ceilings on renewal charges (`services/ceilings.py`): never more than N charges at Bootpay at once
across concurrent callers (PostgreSQL + Redis, an instrumented gateway counting calls in flight), never more
than the rate per second (Redis's clock given by the test: nothing is timed), a killed holder's slot freed
when its lease ends; without Redis, the same within the process."""

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import subscription_renew
from payments.billing.services.ceilings import (
    BUCKET_KEY,
    SLOTS_KEY,
    LocalCeilings,
    Permit,
    RedisCeilings,
    burst_of,
    redis_client,
)

needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")

T0 = 1_800_000_000_000  # a moment on the script's clock (ms), given by the test


@pytest.fixture
def client():
    client = redis_client(django_settings.REDIS_URL)
    client.delete(SLOTS_KEY, BUCKET_KEY)
    yield client
    client.delete(SLOTS_KEY, BUCKET_KEY)


@needs_redis
def test_a_slot_is_refused_at_the_ceiling_and_given_again_once_released(client):
    ceilings = RedisCeilings(client, concurrency=2, per_second=0, lease_s=30)

    first, second, third = (ceilings.acquire(now_ms=T0) for _ in range(3))

    assert first.granted and second.granted and not third.granted
    assert 0 < third.wait_s <= 0.5  # asked again soon: a charge takes one PG round trip
    ceilings.release(first.token)
    assert ceilings.acquire(now_ms=T0).granted
    assert ceilings.in_flight() == 2


@needs_redis
def test_the_slot_of_a_holder_killed_mid_charge_is_freed_when_its_lease_ends(client):
    ceilings = RedisCeilings(client, concurrency=1, per_second=0, lease_s=30)
    ready_read, ready_write = os.pipe()
    child = os.fork()
    if child == 0:  # a worker process that takes the slot and is killed (-9) before it releases it
        try:
            import redis

            own = RedisCeilings(
                redis.Redis.from_url(django_settings.REDIS_URL), concurrency=1, per_second=0, lease_s=30
            )
            os.write(ready_write, b"1" if own.acquire(now_ms=T0).granted else b"0")
            time.sleep(60)
        finally:
            os._exit(0)
    try:
        assert os.read(ready_read, 1) == b"1"
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)

    assert not ceilings.acquire(now_ms=T0 + 29_999).granted  # its lease still runs
    assert ceilings.acquire(now_ms=T0 + 30_001).granted  # then its slot is free again
    assert not ceilings.acquire(now_ms=T0 + 30_002).granted


@needs_redis
def test_no_window_sees_more_charges_than_the_rate_allows(client):
    ceilings = RedisCeilings(client, concurrency=0, per_second=50, lease_s=30)
    granted_at = []
    for step in range(0, 2000):  # two seconds of callers asking every millisecond
        permit = ceilings.acquire(now_ms=T0 + step)
        if permit.granted:
            granted_at.append(step)
        else:
            assert permit.wait_s > 0

    burst = burst_of(50)
    assert burst == 5
    assert len(granted_at) <= 2 * 50 + burst
    assert len(granted_at) >= 2 * 50  # the ceiling, not less
    for start in range(0, 2000, 50):  # every window of a second: at most the rate plus the burst
        assert sum(1 for at in granted_at if start <= at < start + 1000) <= 50 + burst


@needs_redis
def test_a_refusal_by_the_rate_gives_back_the_slot_it_took(client):
    ceilings = RedisCeilings(client, concurrency=5, per_second=1, lease_s=30)

    assert ceilings.acquire(now_ms=T0).granted
    refused = ceilings.acquire(now_ms=T0)

    assert not refused.granted and refused.wait_s >= 0.99  # one token a second
    assert ceilings.in_flight() == 1


def test_without_redis_the_ceiling_holds_within_the_process():
    ceilings = LocalCeilings(concurrency=2, per_second=0)
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def charge():
        permit = ceilings.acquire()
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        ceilings.release(permit.token)

    threads = [threading.Thread(target=charge) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert peak[0] <= 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@needs_redis
def test_many_workers_racing_never_have_more_charges_in_flight_than_the_ceiling_and_charge_each_once(
    client, buyer, subscribe, fake_bootpay, settings
):
    settings.BILLING_CHARGE_CONCURRENCY, settings.BILLING_CHARGES_PER_SECOND = 3, 0
    subscriptions = [subscribe(buyer) for _ in range(24)]
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )
    lock, in_flight, peak = threading.Lock(), [0], [0]
    charge = fake_bootpay.charge_billing_key

    def counted(**call):  # the PG: how many of our charges it holds at once
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            time.sleep(0.02)
            return charge(**call)
        finally:
            with lock:
                in_flight[0] -= 1

    fake_bootpay.charge_billing_key = counted
    # Every subscription handed to two of twelve workers (a duplicate message), each worker asking
    # again when refused, as the task's retry would.
    work = [s.pk for s in subscriptions] * 2
    outcomes, work_lock = [], threading.Lock()

    def worker():
        try:
            while True:
                with work_lock:
                    if not work:
                        return
                    pk = work.pop()
                while isinstance(
                    outcome := subscription_renew(subscription_pk=pk, gateway=fake_bootpay), Permit
                ):
                    time.sleep(outcome.wait_s / 10)
                with work_lock:
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert peak[0] <= 3
    # Each duplicate found the subscription held, its charge being sent or booked, or its period paid.
    assert outcomes.count("charged") == 24 and len(outcomes) == 48
    assert set(outcomes) <= {"charged", "held", "in_flight", "settled", "not_due"}
    paid = SubscriptionCharge.objects.filter(subscription__in=subscriptions, period=2, state="paid")
    assert paid.count() == 24
    assert len(fake_bootpay.charged) == len(set(fake_bootpay.charged)) == 24 + 24  # first periods + renewals
    assert client.zcard(SLOTS_KEY) == 0  # every slot released
