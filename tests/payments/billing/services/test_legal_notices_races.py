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
