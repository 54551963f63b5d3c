"""pg_outcome.open: a PG call still unanswered after its grace becomes one staff-only event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from payments.events.models import Event
from payments.events.services.open_outcomes import pg_outcomes_report_open
from payments.models import Cancellation
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refund_left_unanswered_past_its_grace_is_reported_once(
    buyer, make_order, pay_at_pg, bootpay, settings
):
    settings.EVENTS_OPEN_OUTCOME_GRACE_S = 3600
    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    bootpay.state.add_fault("cancel", "lost_answer", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="변심")
    cancellation = Cancellation.objects.get()
    assert cancellation.state == Cancellation.State.REQUESTED

    pg_outcomes_report_open()  # within its grace: the sweeps may still settle it
    assert not Event.objects.filter(type="pg_outcome.open").exists()

    later = timezone.now() + timedelta(hours=2)
    pg_outcomes_report_open(now=later)
    pg_outcomes_report_open(now=later)

    event = Event.objects.get(type="pg_outcome.open")
    assert event.aggregate == f"order:{order.order_id}"
    assert event.data["kind"] == "refund" and event.data["reference"] == cancellation.cancel_id
    assert event.data["payment_id"] == payment.public_id and event.data["amount"] == payment.amount


def test_past_the_limit_the_oldest_unreported_come_first_and_reported_ones_are_not_read_again(
    buyer, make_order, pay_at_pg, settings, monkeypatch
):
    # Given three refunds left open, not created in the order of their age, and at most two read per run
    from payments.events.services import open_outcomes

    settings.EVENTS_OPEN_OUTCOME_GRACE_S = 3600
    monkeypatch.setattr(open_outcomes, "LIMIT", 2)
    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    start = timezone.now() - timedelta(hours=5)
    ages = {}
    for age in (1, 3, 2):
        cancellation = Cancellation.objects.create(payment=payment, amount=1, reason="test")
        Cancellation.objects.filter(pk=cancellation.pk).update(created_at=start - timedelta(hours=age))
        ages[cancellation.cancel_id] = age

    # When the report runs three times
    looked_at = [pg_outcomes_report_open() for _ in range(3)]

    # Then the two oldest, then the last, then none: each reported once, none read again
    assert looked_at == [2, 1, 0]
    reported = Event.objects.filter(type="pg_outcome.open").order_by("pk")
    assert [ages[event.data["reference"]] for event in reported] == [3, 2, 1]


def test_a_subscription_charge_open_again_after_a_charge_again_is_reported_again(buyer, subscribe, settings):
    from payments.billing.models import SubscriptionCharge

    settings.EVENTS_OPEN_OUTCOME_GRACE_S = 3600
    subscription = subscribe(buyer)
    charge = SubscriptionCharge.objects.filter(subscription=subscription).get()
    long_ago = timezone.now() - timedelta(hours=3)
    open_again = {"state": "unknown", "updated_at": long_ago, "sent_at": long_ago}

    SubscriptionCharge.objects.filter(pk=charge.pk).update(attempts=1, **open_again)
    assert pg_outcomes_report_open() == 1
    assert pg_outcomes_report_open() == 0
    SubscriptionCharge.objects.filter(pk=charge.pk).update(attempts=2, **open_again)  # staff charged again
    assert pg_outcomes_report_open() == 1

    references = list(
        Event.objects.filter(type="pg_outcome.open").order_by("pk").values_list("data__reference", flat=True)
    )
    sid = subscription.subscription_id
    assert references == [f"{sid}:{charge.period}:1", f"{sid}:{charge.period}:2"]
