"""payments/billing/metrics.py: each renewal task's outcome is counted (charged / declined / unknown), and the
renewal scheduler's finished run sets the timestamp the "renewal run did not finish" alert reads."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.billing.models import Subscription
from payments.billing.tasks import charge_due_subscriptions, charge_subscription
from tests.metrics_support import sample

pytestmark = pytest.mark.django_db


def renewals(outcome: str) -> float:
    return sample("billing_renewals_total", outcome=outcome)


@pytest.fixture
def due_subscription(buyer, subscribe):
    subscription = subscribe(buyer)
    Subscription.objects.filter(pk=subscription.pk).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )
    return subscription


def test_a_charged_renewal_is_counted_charged(due_subscription, fake_bootpay):
    before = renewals("charged")
    assert charge_subscription.delay(due_subscription.pk).get() == "charged"
    assert renewals("charged") == before + 1


def test_a_declined_renewal_is_counted_declined(due_subscription, fake_bootpay):
    fake_bootpay.decline(due_subscription.billing_key.key)
    before = renewals("declined")
    assert charge_subscription.delay(due_subscription.pk).get() == "declined"
    assert renewals("declined") == before + 1


def test_a_renewal_without_an_answer_is_counted_unknown(due_subscription, fake_bootpay):
    fake_bootpay.fault("charge_billing_key", "timeout")
    before = renewals("unknown")
    assert charge_subscription.delay(due_subscription.pk).get() == "unknown"
    assert renewals("unknown") == before + 1


def test_a_finished_scheduler_run_records_when_it_finished(due_subscription, fake_bootpay):
    started = time.time()
    charged = renewals("charged")

    charge_due_subscriptions()

    assert sample("billing_renewal_run_last_finished_timestamp_seconds") >= started
    assert renewals("charged") == charged + 1  # inline (no broker): the renewal it enqueued ran
