"""Webhook processing per receipt: duplicates coalesce into one re-fetch at a time, none is dropped."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from orders.models import Order
from payments import gateway
from payments.models import Payment, PaymentEvent, WebhookDelivery
from payments.services import payment_verify
from payments.webhooks.services import webhook_process, webhook_receive
from tests.concurrency import run_at_once
from tests.db_faults import StatementTimeoutOnce

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"


@pytest.fixture(autouse=True)
def _inline_webhooks(on_commit_now):
    """Webhook tasks run eagerly, as soon as the endpoint enqueues them."""


def store(receipt: dict) -> WebhookDelivery:
    body = json.dumps(receipt).encode()
    return webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)


def lookups(bootpay) -> int:
    return bootpay.state.call_count("GET", "receipt")


class HeldFirstLookup:
    """The emulator gateway, except that the first receipt lookup, once answered, waits for the test."""

    def __init__(self, inner):
        self.inner = inner
        self.in_flight = threading.Event()
        self.release = threading.Event()
        self._first = threading.Lock()

    def lookup_receipt(self, receipt_id):
        receipt = self.inner.lookup_receipt(receipt_id)
        if self._first.acquire(blocking=False):  # only the first caller is held
            self.in_flight.set()
            self.release.wait(timeout=10)
        return receipt

    def __getattr__(self, name):
        return getattr(self.inner, name)


class InFlightMeter:
    """The emulator gateway, counting how many receipt lookups are out at the same time."""

    def __init__(self, inner):
        self.inner = inner
        self.now = self.most = 0
        self._lock = threading.Lock()

    def lookup_receipt(self, receipt_id):
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.inner.lookup_receipt(receipt_id)
        finally:
            with self._lock:
                self.now -= 1

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_deliveries_at_once_share_a_few_lookups_one_at_a_time(
    make_order, pay_at_pg, bootpay
):
    # given a paid receipt the buyer never verified, and a slow Bootpay
    order = make_order(prices=(15_000,))
    receipt_id = pay_at_pg(order)
    body = json.dumps({**bootpay.state.get_receipt(receipt_id), "webhook_type": "PAYMENT_COMPLETED"})
    bootpay.state.add_fault(path="receipt", mode="latency", latency_s=0.3)
    meter = InFlightMeter(gateway.get_gateway())
    gateway.set_gateway(meter)

    # when Bootpay's notice arrives twenty times at once
    def deliver():
        return Client().post(WEBHOOK_PATH, body, content_type="application/json").json()

    results, refusals = run_at_once(*([deliver] * 20))

    # then every one is answered and kept, a handful of lookups served them all, and it is paid once
    assert refusals == [] and results == [{"success": True}] * 20
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert WebhookDelivery.objects.count() == 20
    assert lookups(bootpay) <= 4 and meter.most == 1  # measured: 2 lookups, one after the other
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert payment.status == "paid" and PaymentEvent.objects.filter(payment=payment).count() == 1
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_delivery_arriving_during_a_lookup_is_processed_right_after_it(
    buyer, make_order, pay_at_pg, bootpay
):
    # given a paid payment whose first notice is being processed, its lookup answered but held
    order = make_order(prices=(10_000,))
    receipt_id = pay_at_pg(order)
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    held = HeldFirstLookup(gateway.get_gateway())
    gateway.set_gateway(held)
    first = store(bootpay.state.get_receipt(receipt_id))
    before = lookups(bootpay)  # verify's own lookup
    failures = []

    def process_first():
        try:
            webhook_process(delivery_pk=first.pk)
        except Exception as exc:  # an exception inside a thread would not fail the test by itself
            failures.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=process_first)
    worker.start()
    try:
        assert held.in_flight.wait(timeout=10)

        # when Bootpay's admin cancels 3,000 and that notice arrives while the first lookup is out
        bootpay.state.cancel(receipt_id, cancel_price=3_000, cancel_id="admin-1")
        answer = Client().post(
            WEBHOOK_PATH, json.dumps(bootpay.state.get_receipt(receipt_id)), content_type="application/json"
        )

        # then it is acknowledged and left to the worker holding the receipt: no second lookup at once
        assert answer.json() == {"success": True}
        second = WebhookDelivery.objects.get(pk__gt=first.pk)
        assert second.state == "received" and lookups(bootpay) == before + 1
    finally:
        held.release.set()
        worker.join(timeout=30)

    # and that worker goes round once more, so the cancel is booked and nothing is left behind
    assert not worker.is_alive() and failures == []
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert lookups(bootpay) == before + 2
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 3_000)
    assert payment.events.filter(kind="cancelled_at_pg").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_tasks_delivered_twice_at_once_process_each_delivery_once(make_order, pay_at_pg, bootpay):
    # given two stored copies of one notice, and a slow Bootpay
    order = make_order()
    receipt = {**bootpay.state.get_receipt(pay_at_pg(order)), "webhook_type": "PAYMENT_COMPLETED"}
    one, two = store(receipt), store(receipt)
    bootpay.state.add_fault(path="receipt", mode="latency", latency_s=0.2)

    # when the task for each one runs twice at the same moment (at-least-once delivery)
    calls = [lambda pk=pk: webhook_process(delivery_pk=pk) for pk in (one.pk, two.pk, one.pk, two.pk)]
    results, refusals = run_at_once(*calls)

    # then one round claimed both before its lookup; the other calls found nothing left to do
    assert refusals == [] and lookups(bootpay) == 1
    assert len([delivery for delivery in results if delivery is not None]) == 1
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("processed", 1)}
    assert PaymentEvent.objects.filter(payment__order=order).count() == 1


@pytest.mark.django_db
def test_a_crashed_workers_claim_holds_the_receipt_until_stale_then_the_command_takes_it(
    make_order, pay_at_pg, bootpay
):
    # given a worker that claimed a delivery and died, and a later copy of the notice
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    crashed, later = store(receipt), store(receipt)
    WebhookDelivery.objects.filter(pk=crashed.pk).update(
        state="processing", claimed_at=timezone.now(), claim_token="dead", attempts=1
    )

    # when its claim is still fresh, the receipt counts as held: nothing is fetched beside it
    assert webhook_process(delivery_pk=later.pk) is None
    assert WebhookDelivery.objects.get(pk=later.pk).state == "received" and lookups(bootpay) == 0

    # then, once the claim is stale, the command takes both deliveries in one round
    WebhookDelivery.objects.filter(pk=crashed.pk).update(claimed_at=timezone.now() - timedelta(minutes=10))
    call_command("process_webhooks")

    assert dict(WebhookDelivery.objects.values_list("pk", "attempts")) == {crashed.pk: 2, later.pk: 1}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"processed"}
    assert lookups(bootpay) == 1
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.django_db
def test_how_long_a_dead_workers_claim_holds_its_receipt_is_a_setting(
    make_order, pay_at_pg, bootpay, settings
):
    # given a claim a minute old, of a worker killed mid-round
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    crashed = store(receipt)
    WebhookDelivery.objects.filter(pk=crashed.pk).update(
        state="processing", claimed_at=timezone.now() - timedelta(minutes=1), claim_token="dead", attempts=1
    )

    # under the default (5 minutes) it still holds the receipt; at 30 s it is stale and taken again
    assert call_command("process_webhooks") is None and lookups(bootpay) == 0
    settings.WEBHOOK_STALE_CLAIM_S = 30
    call_command("process_webhooks")

    assert WebhookDelivery.objects.get(pk=crashed.pk).state == "processed" and lookups(bootpay) == 1


@pytest.mark.django_db
def test_a_failed_round_stays_failed_until_replayed(make_order, pay_at_pg, bootpay):
    # given a notice whose lookup failed
    order = make_order()
    receipt = bootpay.state.get_receipt(pay_at_pg(order))
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)
    failed = store(receipt)
    assert webhook_process(delivery_pk=failed.pk).state == "failed"

    # when the same task runs again, or a plain sweep passes, the failure is left alone
    assert webhook_process(delivery_pk=failed.pk) is None
    call_command("process_webhooks")
    assert WebhookDelivery.objects.get(pk=failed.pk).state == "failed" and lookups(bootpay) == 1

    # then only the replay takes it again
    call_command("process_webhooks", "--failed")
    assert WebhookDelivery.objects.get(pk=failed.pk).state == "processed"
    assert Order.objects.get(pk=order.pk).status == "paid"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_database_error_fails_the_round_but_not_the_callers_transaction(make_order, pay_at_pg, bootpay):
    # given a notice processed inside a transaction of the caller's (a test's, a replay's), and a database
    # that cancels the round's lookup of the payment (a statement_timeout), a statement outside the
    # services' own atomic blocks
    order = make_order()
    delivery = store(bootpay.state.get_receipt(pay_at_pg(order)))
    fault = StatementTimeoutOnce("payments_payment", within="_sync")
    with transaction.atomic():
        with connection.execute_wrapper(fault):
            # when it is processed
            failed = webhook_process(delivery_pk=delivery.pk)

        # then the round is recorded failed with the database's reason, the caller's transaction goes on
        assert fault.fired and failed.state == "failed" and "statement timeout" in failed.error
        assert Order.objects.get(pk=order.pk).status == "pending_payment"
        # and the replay books it
        assert webhook_process(delivery_pk=delivery.pk, retry_failed=True).state == "processed"
        assert Order.objects.get(pk=order.pk).status == "paid"
