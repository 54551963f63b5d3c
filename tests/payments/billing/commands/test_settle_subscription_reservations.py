"""`manage.py settle_subscription_reservations`: the reservations beat task's body, for deployments
without beat."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.billing.models import Subscription, SubscriptionCharge
from payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reserve_mode(settings):
    settings.BILLING_MODE = "reserve"


def run() -> str:
    out = io.StringIO()
    call_command("settle_subscription_reservations", stdout=out)  # returns normally: exit status 0
    return out.getvalue().strip()


def test_the_command_books_a_reservation_bootpay_ran_and_prints_the_outcomes(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    fake_bootpay.execute(subscription.reserve_id)  # Bootpay ran it; its webhook never came
    Subscription.objects.filter(pk=subscription.pk).update(next_charge_at=timezone.now() - timedelta(hours=1))

    assert run() == "executed=1"

    subscription.refresh_from_db()
    assert subscription.current_period == 2
    charge = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    assert Payment.objects.get(order=charge.order).status == "paid"
    assert subscription.reserve_id  # the next period is reserved, not due: the next run has nothing to do
    assert run() == "nothing to do"


def test_a_reservation_not_due_yet_is_left_alone(buyer, fake_bootpay, subscribe):
    subscribe(buyer)

    assert run() == "nothing to do"
