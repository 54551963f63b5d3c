"""The upcoming-charge notice under concurrency (PostgreSQL): beat runs on several workers at once, and
a charge claim racing the notice task, still record one notice per period."""

from datetime import timedelta

import pytest

from payments.billing.services import subscriptions_charge_due, subscriptions_notify_upcoming
from payments.events.models import Event
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_the_notice_task_run_four_times_at_once_records_one_notice_and_one_event(buyer, subscribe):
    subscription = subscribe(buyer, trial_days=10)
    now = subscription.trial_ends_at - 7 * timedelta(days=1) - timedelta(hours=3)

    results, refusals = run_at_once(*[lambda: subscriptions_notify_upcoming(now=now)] * 4)

    assert refusals == [] and sorted(results) == [0, 0, 0, 1]
    assert subscription.events.filter(kind="upcoming_charge").count() == 1
    assert Event.objects.filter(type="subscription.upcoming_charge").count() == 1


def test_a_late_notice_racing_the_charge_beat_is_recorded_once_and_nothing_is_charged(
    buyer, subscribe, fake_bootpay
):
    subscription = subscribe(buyer, trial_days=10)  # the notice task never ran
    late = subscription.trial_ends_at + timedelta(minutes=1)

    results, refusals = run_at_once(
        lambda: subscriptions_notify_upcoming(now=late),
        lambda: subscriptions_charge_due(now=late, gateway=fake_bootpay),
        lambda: subscriptions_notify_upcoming(now=late),
        lambda: subscriptions_charge_due(now=late, gateway=fake_bootpay),
    )

    assert refusals == []
    assert subscription.events.filter(kind="upcoming_charge").count() == 1
    assert fake_bootpay.charged == []
    subscription.refresh_from_db()
    assert subscription.next_charge_at == late + timedelta(days=7)


def test_bootpay_running_a_reservation_while_sweeps_revoke_it_is_booked_once_and_nothing_follows(
    buyer, subscribe, fake_bootpay, settings
):
    """Reserved mode, an increase effective at the renewal with `cancel_at_period_end`, no consent: Bootpay
    ran the old-price reservation before we could revoke it. Two price sweeps and two reservation lookups at
    once book what it charged once (never erased, never refunded) and charge nothing after it."""
    from payments.billing.models import SubscriptionCharge
    from payments.billing.services import (
        subscription_price_change_create,
        subscriptions_apply_price_changes,
        subscriptions_settle_reservations,
    )
    from payments.models import Payment

    settings.BILLING_MODE = "reserve"
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal, reserve_id = subscription.next_charge_at, subscription.reserve_id
    subscription_price_change_create(
        product_id=subscription.product_id,
        actor=subscription.product.seller.user,
        new_price=12_000,
        effective_at=renewal,
        on_no_consent="cancel_at_period_end",
    )
    fake_bootpay.execute(reserve_id)
    at = renewal + timedelta(minutes=10)

    def sweep():
        return subscriptions_apply_price_changes(now=at, gateway=fake_bootpay)

    def lookup():
        return subscriptions_settle_reservations(now=at, gateway=fake_bootpay)

    _, refusals = run_at_once(sweep, lookup, sweep, lookup)
    sweep()  # whatever a lock made wait is settled by the next run

    assert refusals == []
    subscription.refresh_from_db()
    period_2 = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    assert period_2.state == "paid" and Payment.objects.filter(order=period_2.order).count() == 1
    assert (subscription.status, subscription.current_period, subscription.reserve_id) == ("cancelled", 2, "")
    assert not SubscriptionCharge.objects.filter(subscription=subscription, period=3).exists()
    assert len(fake_bootpay.charged) == 2 and list(fake_bootpay.reservations) == [reserve_id]
    assert not any(receipt["cancelled_price"] for receipt in fake_bootpay.receipts.values())
