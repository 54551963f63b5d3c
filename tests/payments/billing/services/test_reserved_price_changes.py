"""A price increase in reserved mode (docs/billing.md, "Reserved mode" and "Notices the law requires"):
Bootpay charges the next period by itself from a reservation, so no period beginning at or after an open
change's `effective_at` may be charged by one until the buyer's answer is known — consented: the new
price; `keep_price`: the old one; `cancel_at_period_end` without consent: no charge at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.billing.models import SubscriptionCharge, SubscriptionPriceConsent
from payments.billing.services import (
    subscription_price_change_consent,
    subscription_price_change_create,
    subscriptions_apply_price_changes,
    subscriptions_charge_due,
    subscriptions_settle_reservations,
)
from payments.models import Payment
from tests.payments.billing.billing_fakes import RESERVED, REVOKED

pytestmark = pytest.mark.django_db

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _reserve_mode(settings):
    settings.BILLING_MODE = "reserve"


def _raise(subscription, *, effective_at, on_no_consent):
    return subscription_price_change_create(
        product_id=subscription.product_id,
        actor=subscription.product.seller.user,
        new_price=12_000,
        effective_at=effective_at,
        on_no_consent=on_no_consent,
    )


def _charges(subscription) -> list[tuple[int, str, int]]:
    return [
        (charge.period, charge.state, charge.order.total_amount)
        for charge in SubscriptionCharge.objects.filter(subscription=subscription).select_related("order")
    ]


def _bootpay_runs_due(fake_bootpay, at) -> list[str]:
    """Bootpay's own scheduler: every reservation still standing whose time has come is run."""
    with fake_bootpay.lock:
        due = [
            reserve_id
            for reserve_id, data in fake_bootpay.reservations.items()
            if data["status"] == RESERVED and data["execute_at"] <= at
        ]
    for reserve_id in due:
        fake_bootpay.execute(reserve_id)
    return due


def _beats(fake_bootpay, at) -> None:
    """What runs around `at`: Bootpay's reservations, then our lookup, the charge beat, the price sweep."""
    _bootpay_runs_due(fake_bootpay, at)
    subscriptions_settle_reservations(now=at + 10 * MINUTE, gateway=fake_bootpay)
    subscriptions_charge_due(now=at + 15 * MINUTE, gateway=fake_bootpay)
    subscriptions_apply_price_changes(now=at + 30 * MINUTE, gateway=fake_bootpay)


def test_a_buyer_who_did_not_consent_is_not_charged_again_and_ends_with_the_paid_period(
    buyer, subscribe, fake_bootpay
):
    """The probe's case: the increase takes effect at the renewal, Bootpay holds a reservation made at
    the old price a year ago, the buyer never consents: Bootpay must not charge period 2."""
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal, reserve_id = subscription.next_charge_at, subscription.reserve_id
    first_order = SubscriptionCharge.objects.get(subscription=subscription, period=1).order.order_id
    change = _raise(subscription, effective_at=renewal, on_no_consent="cancel_at_period_end")

    # The hourly sweep, right after the change: the reservation is taken back while consent is open.
    assert subscriptions_apply_price_changes(now=change.created_at + HOUR, gateway=fake_bootpay) == {
        "held": 1
    }
    assert fake_bootpay.reservations[reserve_id]["status"] == REVOKED
    subscription.refresh_from_db()
    assert (subscription.status, subscription.reserve_id) == ("active", "")
    _beats(fake_bootpay, renewal - HOUR)  # nothing due yet: the buyer may still consent
    subscription.refresh_from_db()
    assert subscription.status == "active"

    _beats(fake_bootpay, renewal)

    subscription.refresh_from_db()
    assert fake_bootpay.charged == [first_order]  # no period-2 charge at Bootpay
    assert {r["order_id"] for r in fake_bootpay.receipts.values()} == {first_order}
    assert fake_bootpay.calls.count("charge_billing_key") == 1  # period 1 only
    assert _charges(subscription) == [(1, "paid", 10_000), (2, "cancelled", 10_000)]
    assert (subscription.status, subscription.current_period) == ("cancelled", 1)
    assert subscription.events.get(kind="cancelled").data["reason"] == "price_change_not_consented"
    assert SubscriptionPriceConsent.objects.get().state == "cancelled"
    assert "billing_key_destroy" in fake_bootpay.calls
    _beats(fake_bootpay, renewal + 400 * DAY)
    assert fake_bootpay.charged == [first_order]


def test_without_the_sweep_the_charge_beat_still_ends_it_at_the_renewal(buyer, subscribe, fake_bootpay):
    """The reservation revoked (the sweep's first run), then no sweep at all until the renewal: the
    charge beat meets the period's unsent charge and settles the change first, as in direct mode."""
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal = subscription.next_charge_at
    change = _raise(subscription, effective_at=renewal, on_no_consent="cancel_at_period_end")
    subscriptions_apply_price_changes(now=change.created_at, gateway=fake_bootpay)

    subscriptions_charge_due(now=renewal + MINUTE, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and len(fake_bootpay.charged) == 1
    assert _charges(subscription) == [(1, "paid", 10_000), (2, "cancelled", 10_000)]


def test_keep_price_leaves_the_reservation_at_the_old_price(buyer, subscribe, fake_bootpay):
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal = subscription.next_charge_at
    change = _raise(subscription, effective_at=renewal, on_no_consent="keep_price")

    assert subscriptions_apply_price_changes(now=change.created_at, gateway=fake_bootpay) == {}
    _beats(fake_bootpay, renewal)

    subscription.refresh_from_db()
    assert "reservation_cancel" not in fake_bootpay.calls
    assert _charges(subscription)[:2] == [(1, "paid", 10_000), (2, "paid", 10_000)]
    assert (subscription.status, subscription.current_period, subscription.price) == ("active", 2, 10_000)
    assert SubscriptionPriceConsent.objects.get().state == "kept"
    assert fake_bootpay.reservations[subscription.reserve_id]["price"] == 10_000  # period 3 too


def test_consent_with_a_reservation_made_before_the_change_keeps_that_period_at_the_old_price(
    buyer, subscribe, fake_bootpay
):
    """The documented gap (in the buyer's favour): Bootpay's reservation for the period was made at the
    old price before the change existed; it is not replaced. Every period reserved after applies it."""
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal = subscription.next_charge_at
    change = _raise(subscription, effective_at=renewal, on_no_consent="keep_price")
    subscription_price_change_consent(
        subscription_id=subscription.subscription_id, actor=buyer, now=change.consent_opens_at + MINUTE
    )

    _beats(fake_bootpay, renewal)

    subscription.refresh_from_db()
    assert _charges(subscription)[:2] == [(1, "paid", 10_000), (2, "paid", 10_000)]
    assert (subscription.current_period, subscription.price) == (2, 12_000)
    assert SubscriptionPriceConsent.objects.get().state == "applied"
    assert fake_bootpay.reservations[subscription.reserve_id]["price"] == 12_000  # period 3


def _monthly_with_change(buyer, subscribe, fake_bootpay, on_no_consent):
    """A monthly subscription: period 2 (reserved already) begins before the change, period 3 after."""
    subscription = subscribe(buyer, price=10_000, interval="month")
    subscription.refresh_from_db()
    change = _raise(subscription, effective_at=timezone.now() + 40 * DAY, on_no_consent=on_no_consent)
    return subscription, change


def _pay_period_2(subscription, fake_bootpay):
    period_2 = subscription.next_charge_at
    _bootpay_runs_due(fake_bootpay, period_2)
    subscriptions_settle_reservations(now=period_2 + 10 * MINUTE, gateway=fake_bootpay)
    subscription.refresh_from_db()
    assert subscription.current_period == 2


@pytest.mark.parametrize("on_no_consent", ["keep_price", "cancel_at_period_end"])
def test_a_consenting_buyer_is_reserved_the_new_price_for_the_period_at_effective_at(
    buyer, subscribe, fake_bootpay, on_no_consent
):
    subscription, change = _monthly_with_change(buyer, subscribe, fake_bootpay, on_no_consent)
    assert change.effective_at > subscription.next_charge_at  # period 2: the old price, as reserved
    subscription_price_change_consent(
        subscription_id=subscription.subscription_id, actor=buyer, now=change.consent_opens_at + MINUTE
    )

    _pay_period_2(subscription, fake_bootpay)

    assert subscription.next_charge_at >= change.effective_at
    reservation = fake_bootpay.reservations[subscription.reserve_id]
    assert (reservation["price"], reservation["execute_at"]) == (12_000, subscription.next_charge_at)
    assert _charges(subscription) == [(1, "paid", 10_000), (2, "paid", 10_000), (3, "pending", 12_000)]
    assert subscription.price == 12_000 and SubscriptionPriceConsent.objects.get().state == "applied"


@pytest.mark.parametrize(
    ("on_no_consent", "outcome"), [("keep_price", "kept"), ("cancel_at_period_end", "cancelled")]
)
def test_the_period_at_effective_at_is_not_reserved_until_the_answer_is_known(
    buyer, subscribe, fake_bootpay, on_no_consent, outcome
):
    subscription, change = _monthly_with_change(buyer, subscribe, fake_bootpay, on_no_consent)
    _pay_period_2(subscription, fake_bootpay)
    period_3 = subscription.next_charge_at
    assert subscription.reserve_id == "" and len(_charges(subscription)) == 2  # nothing reserved yet
    assert subscriptions_apply_price_changes(now=change.consent_deadline - HOUR, gateway=fake_bootpay) == {}

    counts = subscriptions_apply_price_changes(now=change.consent_deadline + HOUR, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert counts == {outcome: 1}
    if outcome == "kept":
        reservation = fake_bootpay.reservations[subscription.reserve_id]
        assert (reservation["price"], reservation["execute_at"]) == (10_000, period_3)
        assert subscription.status == "active"
    else:
        assert subscription.status == "cancelled" and subscription.reserve_id == ""
        assert len(_charges(subscription)) == 2  # period 3 never created, never reserved
    _beats(fake_bootpay, period_3)
    subscription.refresh_from_db()
    assert len(fake_bootpay.charged) == (3 if outcome == "kept" else 2)


def test_without_the_sweep_a_held_period_is_charged_directly_after_settling_the_change(
    buyer, subscribe, fake_bootpay
):
    subscription, change = _monthly_with_change(buyer, subscribe, fake_bootpay, "keep_price")
    _pay_period_2(subscription, fake_bootpay)

    subscriptions_charge_due(now=subscription.next_charge_at + MINUTE, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert _charges(subscription)[2] == (3, "paid", 10_000)
    assert SubscriptionPriceConsent.objects.get().state == "kept"


def test_a_reservation_bootpay_runs_as_the_sweep_revokes_it_is_booked_then_nothing_more(
    buyer, subscribe, fake_bootpay
):
    """The race: Bootpay runs the reservation just as we revoke it (say, the sweep could not reach Bootpay
    until then). What it charged is a fact about money: booked once, never erased; nothing after it."""
    subscription = subscribe(buyer, price=10_000, interval="year")
    subscription.refresh_from_db()
    renewal, reserve_id = subscription.next_charge_at, subscription.reserve_id
    _raise(subscription, effective_at=renewal, on_no_consent="cancel_at_period_end")
    fake_bootpay.execute(reserve_id)  # Bootpay ran it; our revoke comes right after

    counts = subscriptions_apply_price_changes(now=renewal + MINUTE, gateway=fake_bootpay)
    subscriptions_settle_reservations(now=renewal + 10 * MINUTE, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert counts == {"cancelled": 1}
    period_2 = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    assert period_2.state == "paid" and Payment.objects.filter(order=period_2.order).count() == 1
    assert (subscription.status, subscription.current_period, subscription.reserve_id) == ("cancelled", 2, "")
    assert fake_bootpay.reservations[reserve_id]["status"] != REVOKED
    assert [c[:2] for c in _charges(subscription)] == [(1, "paid"), (2, "paid")]  # no period 3
    assert not any(r["cancelled_price"] for r in fake_bootpay.receipts.values())  # nothing refunded
    _beats(fake_bootpay, renewal + 400 * DAY)
    assert len(fake_bootpay.charged) == 2
