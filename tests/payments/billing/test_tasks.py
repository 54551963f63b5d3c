"""The renewal task `payments.billing.tasks.charge_subscription`: its outcome, and at a ceiling a re-queue
with a countdown (nothing claimed, the worker slot given back) instead of a sleep."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.utils import timezone

from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services.ceilings import SLOTS_KEY, redis_client
from payments.billing.tasks import charge_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_subscription(buyer, subscribe):
    subscription = subscribe(buyer)
    due = timezone.now() - timedelta(minutes=1)
    Subscription.objects.filter(pk=subscription.pk).update(next_charge_at=due)
    return subscription


def test_the_task_charges_the_due_period_and_says_so(due_subscription, fake_bootpay):
    assert charge_subscription.delay(due_subscription.pk).get() == "charged"
    assert charge_subscription.delay(due_subscription.pk).get() == "not_due"  # a duplicate message

    assert SubscriptionCharge.objects.get(subscription=due_subscription, period=2).state == "paid"
    assert fake_bootpay.calls.count("charge_billing_key") == 2


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")
def test_at_the_ceiling_the_task_requeues_itself_with_a_countdown_and_claims_nothing(
    due_subscription, fake_bootpay, settings, monkeypatch
):
    settings.BILLING_CHARGE_CONCURRENCY = 1
    client = redis_client(settings.REDIS_URL)
    client.zadd(SLOTS_KEY, {"another-worker": 10**15})  # the one slot, held
    retries = []

    def retry(**options):  # the broker's side of `Task.retry`: what would be sent again
        retries.append(options)
        raise Retry()

    monkeypatch.setattr(charge_subscription, "retry", retry)
    charge_subscription.push_request(is_eager=False, id="renewal-1", retries=0)
    try:
        with pytest.raises(Retry):
            charge_subscription.run(due_subscription.pk, None)
    finally:
        charge_subscription.pop_request()

    [options] = retries
    assert 0 < options["countdown"] <= 0.5
    assert not SubscriptionCharge.objects.filter(subscription=due_subscription, period=2).exists()
    assert fake_bootpay.calls.count("charge_billing_key") == 1  # the first period only

    client.zrem(SLOTS_KEY, "another-worker")
    assert charge_subscription.delay(due_subscription.pk).get() == "charged"
