"""Billing races on PostgreSQL: several workers at once still charge a period once and book it once, and a
charge's answer, its webhook and a cancel landing together settle its open outcome once."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connections

from config.errors import ErrorCode
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import (
    subscription_cancel,
    subscription_charge_period,
    subscriptions_charge_due,
    subscriptions_settle_reservations,
)
from payments.models import Payment, PaymentEvent
from payments.webhooks import webhook_process, webhook_receive
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_workers_charging_the_same_due_subscription_charge_it_once(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    due = subscription.next_charge_at + timedelta(minutes=1)
    fake_bootpay.charge_delay_s = 0.5  # the first worker is still at Bootpay when the others look

    def beat():
        return subscriptions_charge_due(now=due, gateway=fake_bootpay)

    def direct():
        return subscription_charge_period(subscription_pk=subscription.pk, now=due, gateway=fake_bootpay)

    results, refusals = run_at_once(beat, beat, direct, direct)

    assert refusals == []
    charge = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    assert fake_bootpay.charged.count(charge.order.order_id) == 1
    assert fake_bootpay.calls.count("charge_billing_key") == 2  # period 1, then period 2 once
    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert charge.state == "paid" and charge.attempts == 1
    assert subscription.events.filter(kind="charged").count() == 2


def test_an_executed_reservation_booked_by_its_webhook_and_the_lookup_at_once_is_booked_once(
    buyer, fake_bootpay, subscribe, settings
):
    settings.BILLING_MODE = "reserve"
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    executed = fake_bootpay.execute(subscription.reserve_id)
    body = f'{{"receipt_id": "{executed["receipt_id"]}", "webhook_type": "PAYMENT_COMPLETED"}}'.encode()
    later = subscription.next_charge_at + timedelta(minutes=10)

    def webhook():
        delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        return webhook_process(delivery_pk=delivery.pk)

    def lookup():
        return subscriptions_settle_reservations(now=later, gateway=fake_bootpay)

    results, refusals = run_at_once(webhook, webhook, lookup, lookup)

    assert refusals == []
    charge = SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=2)
    assert charge.state == "paid"
    payment = Payment.objects.get(order=charge.order)
    assert payment.receipt_id == executed["receipt_id"] and payment.status == "paid"
    assert PaymentEvent.objects.filter(payment=payment, to_status="paid").count() == 1
    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert subscription.events.filter(kind="charged").count() == 2
    # Exactly one reservation for period 3, however many paths advanced the subscription.
    assert subscription.events.filter(kind="reserved").count() == 2
    assert fake_bootpay.calls.count("reserve_charge") == 2


def test_cancelling_while_the_beat_charges_leaves_one_consistent_outcome(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    due = subscription.next_charge_at + timedelta(minutes=1)
    fake_bootpay.charge_delay_s = 0.3

    def beat():
        return subscriptions_charge_due(now=due, gateway=fake_bootpay)

    def cancel():
        return subscription_cancel(
            subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
        )

    results, refusals = run_at_once(beat, cancel)

    assert refusals == []
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert subscription.status == "cancelled" and subscription.next_charge_at is None
    charge = SubscriptionCharge.objects.filter(subscription=subscription, period=2).first()
    if charge is not None:  # the beat got there first: charged once, booked (the paid period stays)
        assert charge.state in ("paid", "declined", "cancelled")
        assert fake_bootpay.charged.count(charge.order.order_id) <= 1


@pytest.mark.parametrize("round_", range(3))
def test_answer_webhook_and_cancel_at_once_book_or_refund_once_and_settle_the_charge(
    round_, buyer, fake_bootpay, subscribe, register_key
):
    """Bootpay charged period 2; its answer to the sender, its webhook and the buyer's cancel land at
    the same instant. Whatever the order: no deadlock, the receipt is booked (and the period paid) or
    refunded exactly once, the charge is settled (no open outcome left), and nothing counts as a
    decline."""
    key = register_key(buyer)
    subscription, _other = subscribe(buyer, key=key), subscribe(buyer, key=key)  # the card stays alive
    subscription.refresh_from_db()
    due = subscription.next_charge_at + timedelta(minutes=1)
    charge_at_bootpay = fake_bootpay.charge_billing_key
    charged, release = [], threading.Event()

    def answer_held_back(**call):
        receipt = charge_at_bootpay(**call)
        charged.append(receipt)
        assert release.wait(30)
        return receipt

    fake_bootpay.charge_billing_key = answer_held_back

    def sender():
        try:
            subscriptions_charge_due(now=due, gateway=fake_bootpay)
        finally:
            connections.close_all()

    thread = threading.Thread(target=sender)
    thread.start()
    for _ in range(300):
        if charged:
            break
        threading.Event().wait(0.05)
    assert charged, "the sender never reached Bootpay"
    receipt = fake_bootpay.receipts[charged[0].receipt_id]

    def the_answer():
        release.set()
        thread.join(30)

    def the_webhook():
        body = json.dumps({"receipt_id": receipt["receipt_id"], "webhook_type": "PAYMENT_COMPLETED"}).encode()
        delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        webhook_process(delivery_pk=delivery.pk)

    def the_cancel():
        return subscription_cancel(
            subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
        )

    _results, refusals = run_at_once(the_answer, the_webhook, the_cancel)

    assert not thread.is_alive()
    assert set(refusals) <= {ErrorCode.ORDER_NOT_PAYABLE}
    charge = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    payment = Payment.objects.get(receipt_id=receipt["receipt_id"])
    kept_at_bootpay = receipt["price"] - receipt["cancelled_price"]
    assert kept_at_bootpay == payment.amount - payment.cancelled_amount
    assert charge.state in ("paid", "cancelled"), charge.state
    if charge.state == "paid":
        assert payment.status == "paid" and kept_at_bootpay == receipt["price"]
    else:
        assert payment.status == "failed" and kept_at_bootpay == 0
        assert subscription.events.filter(kind="charge_refunded").count() == 1
    assert not subscription.events.filter(kind="declined").exists()
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
