"""The webhook tasks (payments/webhooks/tasks.py) run eagerly, in-process (no broker): retries with
backoff, the sweep, a task delivered twice, two sweeps at once."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from payments.models import PaymentEvent, WebhookDelivery
from payments.webhooks import tasks
from payments.webhooks.services import webhook_receive
from tests.concurrency import run_at_once

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"


def store(receipt: dict) -> WebhookDelivery:
    body = json.dumps(receipt).encode()
    return webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)


def lookups(bootpay) -> int:
    return bootpay.state.call_count("GET", "receipt")


def run_task(delivery_pk: int):
    """As a worker runs it: a retry runs again (eagerly: at once), the result is the last run's."""
    from config.celery import app

    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        return tasks.process_webhook_delivery.apply(args=[delivery_pk])
    finally:
        app.conf.task_eager_propagates = propagates


@pytest.fixture
def countdowns(monkeypatch):
    """The backoff asked for before each retry, by retry number."""
    asked: list[int] = []
    real = tasks.retry_countdown

    def record(retries: int) -> int:
        asked.append(retries)
        return real(retries)

    monkeypatch.setattr(tasks, "retry_countdown", record)
    return asked


@pytest.mark.django_db
def test_bootpay_unavailable_is_retried_with_backoff_until_the_lookup_answers(
    make_order, pay_at_pg, bootpay, countdowns
):
    order = make_order()
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order)))
    bootpay.state.add_fault(path="receipt", mode="status_500", times=2)

    result = run_task(delivery.pk)

    assert result.get() == "processed"
    assert countdowns == [0, 1]  # two retries, the backoff growing with each
    assert lookups(bootpay) == 3
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("processed", 3)
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db
def test_retries_are_bounded_then_the_delivery_is_left_failed_for_the_sweep(
    make_order, pay_at_pg, bootpay, settings, countdowns
):
    settings.WEBHOOK_MAX_RETRIES = 2
    order = make_order()
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order)))
    bootpay.state.add_fault(path="receipt", mode="reset")

    assert run_task(delivery.pk).get() == "failed"

    assert countdowns == [0, 1] and lookups(bootpay) == 3
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "failed"

    # once Bootpay answers again and the failure is due, the sweep takes it
    bootpay.state.clear_faults()
    settings.WEBHOOK_SWEEP_FAILED_AFTER_S = 0
    assert tasks.sweep_webhook_deliveries.delay().get() == {"processed": 1}
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fault", "state"),
    [({"mode": "error_code", "error_code": "RC_NOT_FOUND"}, "unmatched"), ({"mode": "error_code"}, "failed")],
)
def test_a_definite_answer_from_bootpay_is_never_retried(
    make_order, pay_at_pg, bootpay, countdowns, fault, state
):
    order = make_order()
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order)))
    bootpay.state.add_fault(path="receipt", **({"error_code": "RC_SERVER_REFUSED"} | fault))

    assert run_task(delivery.pk).get() == state

    assert countdowns == [] and lookups(bootpay) == 1


@pytest.mark.django_db
def test_a_refusal_by_our_books_is_an_outcome_not_retried(make_order, pay_at_pg, bootpay, countdowns):
    # given a receipt for less than the order's total: verify refuses it, and so does the webhook's sync
    order = make_order(prices=(10_000,))
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order, price=9_000)))

    assert run_task(delivery.pk).get() == "processed"

    delivery.refresh_from_db()
    assert delivery.error.startswith("refused:")
    assert countdowns == [] and lookups(bootpay) == 1
    assert Order.objects.get(pk=order.pk).status == "pending_payment"


@pytest.mark.django_db
def test_a_task_delivered_twice_processes_the_delivery_once(make_order, pay_at_pg, bootpay):
    order = make_order()
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order)))

    assert run_task(delivery.pk).get() == "processed"
    assert run_task(delivery.pk).get() is None  # already processed: nothing to do

    assert lookups(bootpay) == 1


@pytest.mark.django_db
def test_without_a_broker_the_endpoint_processes_at_once_and_never_waits_for_retries(
    make_order, pay_at_pg, bootpay, client, on_commit_now, caplog
):
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)

    response = client.post(WEBHOOK_PATH, json.dumps(receipt), content_type="application/json")

    assert response.status_code == 200 and response.json() == {"success": True}
    assert WebhookDelivery.objects.get().state == "failed" and lookups(bootpay) == 1
    assert "not retried without a broker" in caplog.text
    client.post(WEBHOOK_PATH, json.dumps(receipt), content_type="application/json")
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db
def test_the_sweep_leaves_fresh_deliveries_to_their_task_and_gives_up_on_hopeless_ones(
    make_order, pay_at_pg, bootpay, settings
):
    settings.WEBHOOK_SWEEP_GRACE_S = 60
    settings.WEBHOOK_SWEEP_FAILED_AFTER_S = 0
    settings.WEBHOOK_SWEEP_MAX_ATTEMPTS = 3
    fresh = store(bootpay.state.get_receipt(pay_at_pg(make_order())))
    old = store(bootpay.state.get_receipt(pay_at_pg(make_order())))
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    hopeless = store(bootpay.state.get_receipt(pay_at_pg(make_order())))
    WebhookDelivery.objects.filter(pk=hopeless.pk).update(
        state="failed", attempts=3, processed_at=timezone.now() - timedelta(hours=1)
    )

    assert tasks.sweep_webhook_deliveries.delay().get() == {"processed": 1}

    states = dict(WebhookDelivery.objects.values_list("pk", "state"))
    assert states == {fresh.pk: "received", old.pk: "processed", hopeless.pk: "failed"}


# --- A schedule firing twice does the work once (two runs at the same instant) -----------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_process_each_receipt_once(make_order, pay_at_pg, bootpay, settings):
    settings.WEBHOOK_SWEEP_GRACE_S = 0
    orders = [make_order() for _ in range(5)]
    for order in orders:
        receipt = bootpay.state.get_receipt(pay_at_pg(order))
        store(receipt), store(receipt)  # Bootpay sends each notice twice

    results, refused = run_at_once(tasks.sweep_webhook_deliveries.delay, tasks.sweep_webhook_deliveries.delay)

    assert refused == []
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert lookups(bootpay) == 5
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    assert PaymentEvent.objects.count() == 5  # one booking per payment
