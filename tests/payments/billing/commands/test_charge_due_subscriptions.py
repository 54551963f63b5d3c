"""`manage.py charge_due_subscriptions`: the billing beat task's body, for deployments without beat."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.billing.models import Subscription, SubscriptionCharge

pytestmark = pytest.mark.django_db


def run(*options: str) -> str:
    out = io.StringIO()
    call_command("charge_due_subscriptions", *options, stdout=out)  # returns normally: exit status 0
    return out.getvalue().strip()


def test_the_command_charges_a_due_renewal_once_and_says_what_it_charged(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    Subscription.objects.filter(pk=subscription.pk).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )

    assert run() == "charged=1"  # the process-wide gateway: the fake
    assert run() == "nothing due"  # run again (cron overlapping beat): nothing is charged twice

    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert SubscriptionCharge.objects.get(subscription=subscription, period=2).state == "paid"
    assert fake_bootpay.calls.count("charge_billing_key") == 2  # period 1 at subscribe, period 2 once


def test_nothing_due_charges_nothing(buyer, fake_bootpay, subscribe):
    subscribe(buyer)  # next period a month away

    assert run() == "nothing due"
    assert fake_bootpay.calls.count("charge_billing_key") == 1


def test_with_enqueue_the_command_hands_the_renewals_to_the_workers(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    Subscription.objects.filter(pk=subscription.pk).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )

    assert run("--enqueue") == "enqueued=1"  # tests run tasks inline: charged by its task
    assert run("--enqueue") == "enqueued=0"

    assert SubscriptionCharge.objects.get(subscription=subscription, period=2).state == "paid"
