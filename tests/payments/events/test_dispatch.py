"""events_dispatch: each event handed to the consumers once, in order, whoever runs it and however often;
an event left undispatched (a crash before commit) is taken by the next run."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from payments.events.models import Event
from payments.events.services.dispatch import event_dispatching, events_dispatch
from payments.events.services.outbox import event_record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handed():
    seen: list[int] = []
    lock = threading.Lock()

    def consumer(sender, *, event, **kwargs):
        with lock:
            seen.append(event.pk)

    event_dispatching.connect(consumer, dispatch_uid="test-consumer")
    yield seen
    event_dispatching.disconnect(dispatch_uid="test-consumer")


def _record(n: int, monkeypatch=None) -> None:
    with transaction.atomic():
        for index in range(n):
            event_record(
                type="pg_outcome.open", dedup_key=f"t:{index}", aggregate=f"order:o{index % 3}", data={}
            )


def test_recording_the_same_fact_twice_is_one_event(handed):
    _record(1)
    _record(1)
    assert Event.objects.count() == 1 and handed == list(Event.objects.values_list("pk", flat=True))


def test_events_left_undispatched_are_handed_over_once_in_pk_order_by_the_next_run(handed, monkeypatch):
    monkeypatch.setattr(
        "payments.events.services.outbox._dispatch_soon", lambda: None
    )  # the commit hook lost
    _record(7)
    assert handed == [] and Event.objects.filter(dispatched_at__isnull=True).count() == 7

    assert events_dispatch(batch=3) == 7
    assert events_dispatch() == 0

    assert handed == sorted(handed) and handed == list(
        Event.objects.order_by("pk").values_list("pk", flat=True)
    )


def test_a_consumer_failing_leaves_the_batch_undispatched_for_the_next_run(handed, monkeypatch):
    monkeypatch.setattr("payments.events.services.outbox._dispatch_soon", lambda: None)
    _record(2)

    def broken(sender, *, event, **kwargs):
        raise RuntimeError("the consumer's table is locked")

    event_dispatching.connect(broken, dispatch_uid="broken")
    try:
        with pytest.raises(RuntimeError):
            events_dispatch()
    finally:
        event_dispatching.disconnect(dispatch_uid="broken")
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 2
    handed.clear()

    assert events_dispatch() == 2 and len(handed) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_dispatchers_hand_each_event_over_once(handed, monkeypatch):
    monkeypatch.setattr("payments.events.services.outbox._dispatch_soon", lambda: None)
    _record(60)
    barrier = threading.Barrier(6)

    def run():
        try:
            barrier.wait()
            events_dispatch(batch=7)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(handed) == list(Event.objects.order_by("pk").values_list("pk", flat=True))
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0
