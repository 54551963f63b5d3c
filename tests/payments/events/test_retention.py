"""Pruning of the outbox (payments/events/services/retention.py, the `events_prune_task` task): events,
partner webhook deliveries and their attempt logs, notifications; what goes, what stays, twice."""

from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.events import tasks
from payments.events.models import (
    Event,
    EventSeller,
    Notification,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEndpointDelivery,
)
from payments.events.services import retention
from payments.models import Payment, PaymentEvent

pytestmark = pytest.mark.django_db

Delivery = WebhookEndpointDelivery.State
Notice = Notification.State


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.EVENTS_RETENTION_DAYS = 90
    settings.EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS = 30
    settings.EVENTS_NOTIFICATION_RETENTION_DAYS = 30
    settings.PRUNE_BATCH_SIZE = 1000
    settings.PRUNE_MAX_BATCHES = 50


@pytest.fixture
def endpoint(make_user):
    return WebhookEndpoint.objects.create(owner=make_user("ops", is_staff=True), url="https://p.example/h")


def _ago(days: float):
    return timezone.now() - timedelta(days=days)


_sequence = iter(range(1, 10_000))


def _event(*, days_old: float, dispatched: bool = True, seller=None, order=None) -> Event:
    event = Event.objects.create(
        type="order.paid",
        aggregate="order:x",
        order=order,
        dedup_key=f"k{next(_sequence)}",
        created_at=_ago(days_old),
        dispatched_at=_ago(days_old) if dispatched else None,
        sequence=next(_sequence) if dispatched else 0,
    )
    if seller is not None:
        EventSeller.objects.create(event=event, seller=seller)
    return event


def _delivery(event, endpoint, state: str, *, attempts_days_old: float = 0) -> WebhookEndpointDelivery:
    delivery = WebhookEndpointDelivery.objects.create(
        endpoint=endpoint, event=event, aggregate=event.aggregate, state=state
    )
    WebhookDeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=_ago(attempts_days_old))
    return delivery


def _notification(event, user, state: str, *, days_old: float, legal: bool = False) -> Notification:
    return Notification.objects.create(
        event=event,
        recipient=user,
        channel="email",
        audience="buyer",
        state=state,
        legal=legal,
        created_at=_ago(days_old),
    )


def test_a_finished_event_past_the_retention_goes_with_its_deliveries_and_notifications(
    endpoint, buyer, make_seller
):
    old = _event(days_old=91, seller=make_seller())
    _delivery(old, endpoint, Delivery.SUCCEEDED, attempts_days_old=91)
    _notification(old, buyer, Notice.SENT, days_old=91)
    recent = _event(days_old=89)
    _delivery(recent, endpoint, Delivery.FAILED)

    assert retention.events_prune() == 1

    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not WebhookEndpointDelivery.objects.filter(event_id=old.pk).exists()
    assert not Notification.objects.filter(event_id=old.pk).exists()
    assert not EventSeller.objects.exists()
    assert WebhookDeliveryAttempt.objects.count() == 1  # the recent delivery's


def test_an_event_with_anything_unfinished_or_a_legal_notice_stays(endpoint, buyer):
    undispatched = _event(days_old=200, dispatched=False)
    pending_delivery = _event(days_old=200)
    _delivery(pending_delivery, endpoint, Delivery.PENDING)
    pending_notice = _event(days_old=200)
    _notification(pending_notice, buyer, Notice.PENDING, days_old=200)
    legal = _event(days_old=200)
    _notification(legal, buyer, Notice.SENT, days_old=200, legal=True)

    assert retention.events_prune() == 0
    assert set(Event.objects.values_list("pk", flat=True)) == {
        undispatched.pk,
        pending_delivery.pk,
        pending_notice.pk,
        legal.pk,
    }


def test_attempt_logs_of_final_deliveries_go_after_their_own_retention(endpoint, make_user):
    event = _event(days_old=40)  # the event itself is kept (90 days)
    kept_pending = _delivery(event, endpoint, Delivery.PENDING, attempts_days_old=40)
    done = _delivery(event, endpoint.__class__.objects.create(owner=make_user(), url="https://q.example/h"),
                     Delivery.SUCCEEDED, attempts_days_old=40)  # fmt: skip
    fresh = _delivery(_event(days_old=1), endpoint, Delivery.FAILED, attempts_days_old=1)

    assert retention.webhook_attempts_prune() == 1

    assert set(WebhookDeliveryAttempt.objects.values_list("delivery_id", flat=True)) == {
        kept_pending.pk,
        fresh.pk,
    }
    assert WebhookEndpointDelivery.objects.filter(
        pk=done.pk, state=Delivery.SUCCEEDED
    ).exists()  # its summary


def test_final_notifications_go_after_their_retention_but_legal_and_pending_ones_stay(make_user):
    event = _event(days_old=31)
    users = iter(make_user() for _ in range(6))
    gone = [
        _notification(event, next(users), state, days_old=31) for state in Notice.values if state != "pending"
    ]
    kept = [
        _notification(event, next(users), Notice.PENDING, days_old=31),
        _notification(event, next(users), Notice.SENT, days_old=31, legal=True),
        _notification(event, next(users), Notice.SENT, days_old=29),
    ]

    assert retention.notifications_prune() == len(gone) == 3
    assert set(Notification.objects.values_list("pk", flat=True)) == {n.pk for n in kept}


def test_the_task_prunes_all_three_and_a_second_run_nothing(endpoint, buyer):
    event = _event(days_old=100)
    _delivery(event, endpoint, Delivery.SUCCEEDED, attempts_days_old=100)
    _notification(event, buyer, Notice.SENT, days_old=100)

    # attempts first, then notifications; the event (with nothing left hanging on it) last
    assert tasks.events_prune_task.delay().get() == {"attempts": 1, "notifications": 1, "events": 1}
    assert tasks.events_prune_task.delay().get() == {"attempts": 0, "notifications": 0, "events": 0}


def test_event_batches_are_bounded(settings):
    for _ in range(7):
        _event(days_old=100)
    settings.PRUNE_BATCH_SIZE, settings.PRUNE_MAX_BATCHES = 3, 2

    with CaptureQueriesContext(connections["default"]) as captured:
        assert retention.events_prune() == 6

    picks = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "events_event"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(picks) == 2 and all("LIMIT 3" in sql for sql in picks), picks
    if connection.vendor == "postgresql":  # SQLite has no row locks (one writer at a time)
        assert all("SKIP LOCKED" in sql for sql in picks), picks
    assert retention.events_prune() == 1


def test_a_delivery_replayed_after_the_batch_was_chosen_keeps_its_event(endpoint):
    event = _event(days_old=100)
    delivery = _delivery(event, endpoint, Delivery.SUCCEEDED)
    WebhookEndpointDelivery.objects.filter(pk=delivery.pk).update(state=Delivery.PENDING)  # the replay

    assert retention._events_delete([event.pk]) == 0
    assert Event.objects.filter(pk=event.pk).exists()


def test_money_records_are_never_touched(endpoint, make_order):
    order = make_order()
    payment = Payment.objects.create(order=order, receipt_id="r-old", amount=order.total_amount)
    PaymentEvent.objects.create(payment=payment, kind="verified", to_status="paid")
    Payment.objects.filter(pk=payment.pk).update(created_at=_ago(1000))
    event = _event(days_old=1000, order=order)  # the order's event goes; the order and its money stay

    tasks.events_prune_task.delay().get()

    assert not Event.objects.filter(pk=event.pk).exists()
    assert (
        Payment.objects.filter(pk=payment.pk).exists()
        and PaymentEvent.objects.filter(payment=payment).count() == 1
    )
