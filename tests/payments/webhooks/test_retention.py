"""Pruning of Bootpay's webhook deliveries (payments/webhooks/retention.py, the `prune_webhook_deliveries`
task): what goes, what stays, batches, twice, several workers."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.models import WebhookDelivery
from payments.webhooks import tasks
from payments.webhooks.retention import webhook_deliveries_prune

pytestmark = pytest.mark.django_db

State = WebhookDelivery.State


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 90
    settings.PRUNE_BATCH_SIZE = 1000
    settings.PRUNE_MAX_BATCHES = 50


def _delivery(state: str, *, days_old: float) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(raw_body="{}", dedupe_key="k", state=state)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        received_at=timezone.now() - timedelta(days=days_old)
    )
    return delivery


def _left() -> set[tuple[str, int]]:
    return {(d.state, round((timezone.now() - d.received_at).days)) for d in WebhookDelivery.objects.all()}


def test_done_deliveries_past_the_retention_go_and_everything_else_stays():
    for state in State.values:
        _delivery(state, days_old=91)
        _delivery(state, days_old=89)

    assert tasks.prune_webhook_deliveries.delay().get() == 2  # processed and invalid, 91 days old

    assert _left() == {(state, 89) for state in State.values} | {
        (state, 91)
        for state in (State.RECEIVED, State.PROCESSING, State.FAILED, State.UNMATCHED)  # never pruned
    }


def test_a_second_run_deletes_nothing():
    _delivery(State.PROCESSED, days_old=100)

    assert webhook_deliveries_prune() == 1
    assert webhook_deliveries_prune() == 0


def test_each_batch_is_bounded_and_a_run_stops_after_its_batches(settings):
    for _ in range(25):
        _delivery(State.PROCESSED, days_old=100)
    settings.PRUNE_BATCH_SIZE, settings.PRUNE_MAX_BATCHES = 10, 2

    with CaptureQueriesContext(connections["default"]) as captured:
        assert webhook_deliveries_prune() == 20  # two batches of ten: the next run takes the rest

    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2 and all("LIMIT 10" in sql for sql in selects), selects
    if connection.vendor == "postgresql":  # SQLite has no row locks (one writer at a time)
        assert all("FOR UPDATE" in sql and "SKIP LOCKED" in sql for sql in selects), selects
    assert WebhookDelivery.objects.count() == 5
    assert webhook_deliveries_prune() == 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_several_workers_prune_together_each_row_once_and_skip_each_others_locks(settings):
    for _ in range(60):
        _delivery(State.PROCESSED, days_old=100)
    kept = _delivery(State.FAILED, days_old=100)
    settings.PRUNE_BATCH_SIZE = 5
    start, counts, failures = threading.Barrier(4), [], []

    def prune():
        try:
            start.wait(timeout=10)
            counts.append(webhook_deliveries_prune())
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prune) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads) and failures == []
    assert sum(counts) == 60  # every row deleted by exactly one of them
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [kept.pk]
