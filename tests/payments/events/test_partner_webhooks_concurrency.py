"""Partner webhooks under concurrent senders and dead workers (PostgreSQL: row locks and SKIP LOCKED)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.events.models import Event, WebhookEndpointDelivery
from payments.events.services.webhook_delivery import (
    webhook_deliveries_sweep,
    webhook_delivery_claim,
    webhook_delivery_send,
)
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _pending(endpoint, order, *, type="order.paid") -> WebhookEndpointDelivery:
    """An event and its delivery as dispatch leaves them, before any sender ran."""
    event = Event.objects.create(
        type=type,
        aggregate=f"order:{order.order_id}",
        order=order,
        data={"order_id": order.order_id},
        dedup_key=uuid.uuid4().hex,
        dispatched_at=timezone.now(),
    )
    return WebhookEndpointDelivery.objects.create(
        endpoint=endpoint, event=event, aggregate=event.aggregate, next_attempt_at=timezone.now()
    )


def test_two_workers_sending_the_same_delivery_at_once_send_it_once(staff, endpoint_for, make_order):
    # Given a slow partner and a due delivery
    endpoint, partner = endpoint_for(staff, delay_s=0.3)
    delivery = _pending(endpoint, make_order())

    # When five workers take its task at the same instant
    results, refusals = run_at_once(*[lambda: webhook_delivery_send(delivery_pk=delivery.pk)] * 5)

    # Then one sent it; the others found it taken
    assert refusals == [] and sorted(results, key=str) == [None, None, None, None, "succeeded"]
    assert partner.accepted_ids() == [delivery.event.event_id] and len(partner.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.attempt_log.count()) == ("succeeded", 1, 1)


def test_a_worker_dying_mid_attempt_is_replaced_once_its_lease_runs_out(
    settings, staff, endpoint_for, make_order
):
    endpoint, partner = endpoint_for(staff)
    delivery = _pending(endpoint, make_order())

    # Given a worker took the delivery, then died before sending it
    assert webhook_delivery_claim(delivery_pk=delivery.pk) is not None

    # When the sweep runs while the lease holds: nothing is sent
    webhook_deliveries_sweep()
    assert partner.requests == []

    # And when the lease has run out, the sweep sends it, once
    WebhookEndpointDelivery.objects.filter(pk=delivery.pk).update(
        attempt_started_at=timezone.now() - timedelta(seconds=settings.EVENTS_WEBHOOK_LEASE_S + 1)
    )
    webhook_deliveries_sweep()
    webhook_deliveries_sweep()

    assert partner.accepted_ids() == [delivery.event.event_id] and len(partner.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)


def test_concurrent_sweeps_with_failures_deliver_each_event_once_in_order_per_order(
    staff, endpoint_for, make_order
):
    # Given twelve events over three orders, and a partner failing its first four requests
    endpoint, partner = endpoint_for(staff, plan=["500", "timeout", "500", "500"], timeout_sleep_s=0.6)
    orders = [make_order() for _ in range(3)]
    deliveries = [_pending(endpoint, orders[index % 3]) for index in range(12)]

    # When sweeps run on four workers at once, again and again as retries fall due
    for _ in range(8):
        WebhookEndpointDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
        run_at_once(*[webhook_deliveries_sweep] * 4)
        if not WebhookEndpointDelivery.objects.filter(state="pending").exists():
            break

    # Then every event was accepted exactly once, and each order's in the order they happened
    accepted = partner.accepted_ids()
    assert sorted(accepted) == sorted(d.event.event_id for d in deliveries)
    for order in orders:
        mine = [d.event.event_id for d in deliveries if d.aggregate == f"order:{order.order_id}"]
        assert [event_id for event_id in accepted if event_id in mine] == mine
    assert set(WebhookEndpointDelivery.objects.values_list("state", flat=True)) == {"succeeded"}
