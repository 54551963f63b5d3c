"""Adversarial review of automatic payments: each test here marked `# DEFECT:` fails on the code it was
written against and shows a money or security defect (see the comment for the suggested fix)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from payments.models import Payment, Subscription, SubscriptionCharge
from payments.services import (
    subscription_charge_retry,
    subscriptions_charge_due,
)

pytestmark = pytest.mark.django_db


def _charge(subscription, period) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


# DEFECT: staff "charge again" (admin action / subscription_charge_retry) does not check that there is an
# unknown or declined charge to settle. On a subscription whose period is paid it sets next_charge_at=now
# and charges the NEXT period at once: the buyer pays a month early. A stale second click (or the admin
# action run on a selection) after the retry went through charges yet another period.
# Fix: refuse (e.g. subscription_not_active / a new code) unless the period due has a charge in
# `unknown` or `declined`; never move next_charge_at forward otherwise.
def test_charge_again_on_a_paid_up_subscription_charges_nothing(buyer, make_user, fake_bootpay, subscribe):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    assert due > timezone.now() + timedelta(days=20)  # period 1 paid, period 2 due in a month

    try:
        subscription_charge_retry(subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay)
    except DomainError:
        pass

    assert fake_bootpay.calls.count("charge_billing_key") == 1  # only period 1, at subscribe
    subscription.refresh_from_db()
    assert subscription.current_period == 1
    assert subscription.next_charge_at == due


# DEFECT (same root cause): two staff "charge again" clicks on an unknown charge that took no money: the
# first charges the period, the second (stale page, double click) charges the following period too.
def test_charge_again_twice_charges_the_unknown_period_once_and_nothing_else(
    buyer, make_user, fake_bootpay, subscribe
):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    assert _charge(subscription, 2).state == "unknown"

    for _ in range(2):
        try:
            subscription_charge_retry(
                subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay
            )
        except DomainError:
            pass

    assert _charge(subscription, 2).state == "paid"
    assert not SubscriptionCharge.objects.filter(subscription=subscription, period=3).exists()
    assert len(fake_bootpay.charged) == 2  # period 1 and period 2, nothing more
