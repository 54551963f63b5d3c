"""Partner webhooks delivered by real Celery workers (subprocesses on Redis) while one is killed.

An event is recorded here, dispatched and sent by the workers to a real receiver that verifies every
signature with the `standardwebhooks` library. A worker is `kill -9`ed mid-stream; another takes over
what the dead one held once its lease lapses (the sweep, as beat runs it). Every event reaches the
partner, each delivery row ends `succeeded`, a repeat (the dead worker's request answered, its result
never recorded) carries the same `webhook-id`, and each order's events arrive in the order they happened.
"""

import os
import signal
import time
from collections import defaultdict

import pytest
from django.db import transaction

from payments.events.models import Event, WebhookEndpointDelivery
from payments.events.services.outbox import event_record
from payments.events.services.partner_webhooks import webhook_endpoint_create
from payments.events.services.webhook_delivery import webhook_deliveries_sweep
from tests.payments.events.webhook_partner_receiver import Receiver
from tests.workers.harness import machine_redis_url, wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(machine_redis_url() is None, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.timeout(120),
]

WORKER_ENV = {"EVENTS_WEBHOOK_LEASE_S": "3", "EVENTS_WEBHOOK_RETRY_SCHEDULE_S": "0,1,1,1,1,1"}


def test_every_event_reaches_the_partner_in_order_per_order_while_a_worker_is_killed(
    broker, workers, make_user, settings
):
    settings.EVENTS_WEBHOOK_LEASE_S = int(WORKER_ENV["EVENTS_WEBHOOK_LEASE_S"])  # the sweep here reads it too
    receiver = Receiver(delay_s=0.15)  # a slow partner: the kill lands mid-request
    try:
        endpoint, secret = webhook_endpoint_create(actor=make_user("ops", is_staff=True), url=receiver.url)
        receiver.secrets.append(secret)
        doomed = workers("doomed", broker, pool="prefork", concurrency=2, **WORKER_ENV).wait_ready()

        orders = [f"ord_kill{n}" for n in range(6)]
        for step in range(5):
            for order_id in orders:
                with transaction.atomic():
                    event_record(
                        type="pg_outcome.open",
                        dedup_key=f"kill:{order_id}:{step}",
                        aggregate=f"order:{order_id}",
                        data={"order_id": order_id, "step": step},
                    )
        wait_until(lambda: len(receiver.accepted) >= 4, timeout=30, what="the first deliveries")
        os.killpg(doomed.process.pid, signal.SIGKILL)  # mid-stream, mid-request
        doomed.process.wait(timeout=10)

        workers("heir", broker, pool="prefork", concurrency=2, **WORKER_ENV).wait_ready()

        def all_succeeded() -> bool:
            webhook_deliveries_sweep()  # what beat does every few seconds
            states = set(WebhookEndpointDelivery.objects.values_list("state", flat=True))
            return states == {"succeeded"} and WebhookEndpointDelivery.objects.count() == 30

        try:
            wait_until(all_succeeded, timeout=60, what="every delivery to succeed", interval=1.0)
        except AssertionError:
            rows = WebhookEndpointDelivery.objects.order_by("pk").values_list(
                "pk", "event__aggregate", "state", "attempts", "attempt_started_at", "next_attempt_at"
            )
            print(
                "events:",
                Event.objects.count(),
                "undispatched:",
                Event.objects.filter(dispatched_at=None).count(),
            )
            print("deliveries:", *rows, sep="\n  ")
            raise
        time.sleep(0.5)  # a straggling request of the dead worker's would land now

        events = list(Event.objects.order_by("pk"))
        assert not receiver.rejected  # every request verified with the library
        accepted = receiver.accepted_ids()
        assert set(accepted) == {event.event_id for event in events}
        # A repeat is the same message (the same webhook-id): partners deduplicate on it.
        first_seen: list[str] = list(dict.fromkeys(accepted))
        by_order: dict[str, list[str]] = defaultdict(list)
        aggregate_of = {event.event_id: event.aggregate for event in events}
        for event_id in first_seen:
            by_order[aggregate_of[event_id]].append(event_id)
        for aggregate, ids in by_order.items():
            expected = [event.event_id for event in events if event.aggregate == aggregate]
            assert ids == expected, f"{aggregate} arrived out of order"
    finally:
        receiver.stop()
