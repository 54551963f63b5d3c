"""The notices the law requires (docs/billing.md, "Notices the law requires"): a free trial charges
nothing until it ends and its first paid charge is announced at least 7 days ahead, once per period; a
seller's price increase applies only to the subscribers who consent in time, the others keep their price
or end with their paid period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.billing.models import SubscriptionCharge, SubscriptionPriceConsent
from payments.billing.services import (
    subscription_price_change_consent,
    subscription_price_change_create,
    subscriptions_apply_price_changes,
    subscriptions_charge_due,
    subscriptions_notify_upcoming,
)
from payments.events.models import Event
from tests.payments.billing.billing_fakes import REVOKED

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _kinds(subscription) -> list[str]:
    return list(subscription.events.order_by("pk").values_list("kind", flat=True))


def _charges(subscription) -> list[tuple[int, int]]:
    return [
        (charge.period, charge.order.total_amount)
        for charge in SubscriptionCharge.objects.filter(subscription=subscription).select_related("order")
    ]


# --- Free trials and the upcoming-charge notice -----------------------------------------------------------


def test_a_trial_subscription_charges_nothing_until_the_trial_ends(buyer, subscribe, fake_bootpay):
    before = timezone.now()
    subscription = subscribe(buyer, trial_days=14, price=9_900)

    assert (subscription.status, subscription.current_period) == ("active", 0)
    assert before + 14 * DAY <= subscription.trial_ends_at <= timezone.now() + 14 * DAY
    assert subscription.next_charge_at == subscription.trial_ends_at
    assert fake_bootpay.charged == [] and _charges(subscription) == []
    assert _kinds(subscription) == ["created"]  # 14 days ahead: the notice is the beat's, later

    assert subscriptions_charge_due(now=subscription.trial_ends_at - DAY, gateway=fake_bootpay) == {}
    assert subscriptions_notify_upcoming(now=subscription.trial_ends_at - 7 * DAY - timedelta(hours=1)) == 1
    subscription.refresh_from_db()
    assert subscription.next_charge_at == subscription.trial_ends_at  # told in time: not postponed

    subscriptions_charge_due(now=subscription.trial_ends_at + timedelta(minutes=1), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period) == ("active", 1)
    assert _charges(subscription) == [(1, 9_900)]
    assert len(fake_bootpay.charged) == 1
    assert _kinds(subscription) == ["created", "upcoming_charge", "charged"]


def test_without_a_trial_the_first_period_is_still_charged_at_once(buyer, subscribe, fake_bootpay):
    subscription = subscribe(buyer, price=5_000)

    assert subscription.trial_ends_at is None and subscription.current_period == 1
    assert _charges(subscription) == [(1, 5_000)]
    assert subscriptions_notify_upcoming(now=subscription.next_charge_at) == 0  # renewals: not a trial's


def test_the_notice_is_recorded_once_per_period_and_becomes_an_outbox_event(buyer, subscribe):
    subscription = subscribe(buyer, trial_days=10, price=12_000)
    now = subscription.trial_ends_at - 7 * DAY - timedelta(hours=2)

    assert subscriptions_notify_upcoming(now=now) == 1
    assert subscriptions_notify_upcoming(now=now + timedelta(hours=1)) == 0

    [notice] = subscription.events.filter(kind="upcoming_charge")
    assert notice.data == {
        "period": 1,
        "amount": 12_000,
        "charge_at": subscription.trial_ends_at.isoformat(),
    }
    [event] = Event.objects.filter(type="subscription.upcoming_charge")
    assert event.aggregate == f"subscription:{subscription.subscription_id}"
    assert event.data["detail"] == notice.data
    assert event.buyer_id == buyer.pk


def test_a_trial_shorter_than_the_notice_is_told_at_once_and_charged_7_days_later(
    buyer, subscribe, fake_bootpay
):
    before = timezone.now()
    subscription = subscribe(buyer, trial_days=3)

    notice = subscription.events.get(kind="upcoming_charge")
    subscription.refresh_from_db()
    assert subscription.next_charge_at >= before + 7 * DAY  # not at the trial's end, 3 days away
    assert notice.data["charge_at"] == subscription.next_charge_at.isoformat()

    subscriptions_charge_due(now=subscription.trial_ends_at + timedelta(minutes=1), gateway=fake_bootpay)
    subscriptions_charge_due(now=subscription.next_charge_at - timedelta(minutes=1), gateway=fake_bootpay)
    assert fake_bootpay.charged == []

    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    assert len(fake_bootpay.charged) == 1


def test_a_charge_whose_notice_never_went_out_is_postponed_to_notice_plus_7_days(
    buyer, subscribe, fake_bootpay
):
    subscription = subscribe(buyer, trial_days=30)  # and the notice task never ran
    late = subscription.trial_ends_at + timedelta(minutes=5)

    subscriptions_charge_due(now=late, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert fake_bootpay.charged == [] and _charges(subscription) == []
    assert subscription.upcoming_notice_at == late
    assert subscription.next_charge_at == late + 7 * DAY
    assert subscription.events.get(kind="upcoming_charge").data["charge_at"] == (late + 7 * DAY).isoformat()

    subscriptions_charge_due(now=late + 7 * DAY - timedelta(seconds=1), gateway=fake_bootpay)
    assert fake_bootpay.charged == []
    subscriptions_charge_due(now=late + 7 * DAY, gateway=fake_bootpay)
    assert len(fake_bootpay.charged) == 1


def test_a_declined_first_charge_after_a_trial_is_retried_not_cancelled(
    buyer, register_key, subscribe, fake_bootpay
):
    key = register_key(buyer)
    subscription = subscribe(buyer, key=key, trial_days=10)
    subscriptions_notify_upcoming(now=subscription.trial_ends_at - 8 * DAY)
    fake_bootpay.decline(fake_bootpay.key_of(key.receipt_id))

    subscriptions_charge_due(now=subscription.trial_ends_at + timedelta(minutes=1), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.next_charge_at is not None


# --- Price increases with consent ---------------------------------------------------------------------------


@pytest.fixture
def yearly(buyer, subscribe):
    """A yearly subscription at 10,000 won, period 1 paid: its period 2 begins a year from now."""
    return subscribe(buyer, price=10_000, interval="year")


def _raise(subscription, *, on_no_consent="keep_price", new_price=12_000, days=40):
    seller_user = subscription.product.seller.user
    return subscription_price_change_create(
        product_id=subscription.product_id,
        actor=seller_user,
        new_price=new_price,
        effective_at=timezone.now() + days * DAY,
        on_no_consent=on_no_consent,
    )


def _renew(subscription, fake_bootpay):
    subscription.refresh_from_db()
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    subscription.refresh_from_db()


def test_a_price_increase_asks_each_subscriber_paying_less_and_records_the_event(yearly, buyer, subscribe):
    richer = subscribe(buyer, price=10_000, interval="year")  # another product, untouched
    change = _raise(yearly, on_no_consent="cancel_at_period_end")

    [consent] = SubscriptionPriceConsent.objects.all()
    assert (consent.subscription_id, consent.price, consent.state) == (yearly.pk, 10_000, "pending")
    assert change.consent_opens_at == change.effective_at - 30 * DAY
    assert change.consent_deadline == change.effective_at
    [logged] = yearly.events.filter(kind="price_change_pending")
    [event] = Event.objects.filter(type="subscription.price_change_pending")
    assert event.data["detail"] == {
        "price": 10_000,
        "new_price": 12_000,
        "effective_at": change.effective_at.isoformat(),
        "consent_deadline": change.consent_deadline.isoformat(),
        "on_no_consent": "cancel_at_period_end",
    }
    assert logged.data["consent_opens_at"] == change.consent_opens_at.isoformat()
    assert not richer.events.filter(kind="price_change_pending").exists()


def test_consent_in_time_charges_the_next_period_at_the_new_price(yearly, buyer, fake_bootpay):
    change = _raise(yearly)
    subscription_price_change_consent(
        subscription_id=yearly.subscription_id,
        actor=buyer,
        now=change.consent_opens_at + timedelta(minutes=1),
    )

    _renew(yearly, fake_bootpay)

    assert _charges(yearly) == [(1, 10_000), (2, 12_000)]
    assert (yearly.current_period, yearly.price) == (2, 12_000)
    assert SubscriptionPriceConsent.objects.get().state == "applied"
    assert _kinds(yearly)[-4:] == [
        "price_change_pending",
        "price_change_consented",
        "price_change_applied",
        "charged",
    ]


def test_consenting_twice_is_one_consent(yearly, buyer):
    change = _raise(yearly)
    at = change.consent_opens_at + DAY

    subscription_price_change_consent(subscription_id=yearly.subscription_id, actor=buyer, now=at)
    subscription_price_change_consent(subscription_id=yearly.subscription_id, actor=buyer, now=at + DAY)

    consent = SubscriptionPriceConsent.objects.get()
    assert (consent.state, consent.consented_at) == ("consented", at)
    assert yearly.events.filter(kind="price_change_consented").count() == 1


def test_no_consent_with_keep_price_keeps_the_old_price(yearly, fake_bootpay):
    _raise(yearly, on_no_consent="keep_price")

    _renew(yearly, fake_bootpay)

    assert _charges(yearly) == [(1, 10_000), (2, 10_000)]
    assert (yearly.status, yearly.price) == ("active", 10_000)
    assert SubscriptionPriceConsent.objects.get().state == "kept"
    assert yearly.events.get(kind="price_change_declined").data["on_no_consent"] == "keep_price"


def test_no_consent_with_cancel_ends_the_subscription_with_its_paid_period(yearly, fake_bootpay):
    _raise(yearly, on_no_consent="cancel_at_period_end")
    period_end = yearly.current_period_end
    calls = len(fake_bootpay.calls)

    subscriptions_charge_due(now=period_end - timedelta(minutes=1), gateway=fake_bootpay)
    yearly.refresh_from_db()
    assert yearly.status == "active"  # still inside the paid period

    _renew(yearly, fake_bootpay)

    assert yearly.status == "cancelled" and yearly.next_charge_at is None
    assert _charges(yearly) == [(1, 10_000)]  # no period 2, no order for it
    assert "charge_billing_key" not in fake_bootpay.calls[calls:]
    assert "billing_key_destroy" in fake_bootpay.calls[calls:]  # the cancel's unused key, as a cancel
    assert SubscriptionPriceConsent.objects.get().state == "cancelled"
    assert yearly.events.get(kind="cancelled").data["reason"] == "price_change_not_consented"
    subscriptions_charge_due(now=period_end + 400 * DAY, gateway=fake_bootpay)
    assert _charges(yearly) == [(1, 10_000)]


def test_a_period_that_began_before_the_change_keeps_the_old_price(buyer, subscribe, fake_bootpay):
    weekly = subscribe(buyer, price=10_000, interval="week")
    change = _raise(weekly, days=31)
    subscription_price_change_consent(
        subscription_id=weekly.subscription_id, actor=buyer, now=change.consent_opens_at + DAY
    )

    _renew(weekly, fake_bootpay)  # period 2 begins in a week: before effective_at

    assert _charges(weekly) == [(1, 10_000), (2, 10_000)]
    assert SubscriptionPriceConsent.objects.get().state == "consented"


@pytest.mark.parametrize("when", ["before_open", "after_deadline"])
def test_consent_outside_its_window_is_refused(yearly, buyer, when):
    change = _raise(yearly, days=45)
    at = change.consent_opens_at - DAY if when == "before_open" else change.consent_deadline + DAY

    with pytest.raises(DomainError) as refused:
        subscription_price_change_consent(subscription_id=yearly.subscription_id, actor=buyer, now=at)

    assert refused.value.code == ErrorCode.PRICE_CHANGE_CONSENT_CLOSED
    assert SubscriptionPriceConsent.objects.get().state == "pending"


def test_consent_without_a_pending_change_and_by_others_is_refused(yearly, buyer, make_user):
    with pytest.raises(DomainError) as nothing:
        subscription_price_change_consent(subscription_id=yearly.subscription_id, actor=buyer)
    assert nothing.value.code == ErrorCode.NO_PENDING_PRICE_CHANGE

    _raise(yearly)
    for other in (make_user("stranger"), make_user("ops", is_staff=True)):
        with pytest.raises(DomainError) as hidden:
            subscription_price_change_consent(subscription_id=yearly.subscription_id, actor=other)
        assert hidden.value.code == ErrorCode.SUBSCRIPTION_NOT_FOUND


def test_a_second_change_waits_for_the_first_and_too_soon_is_refused(yearly):
    with pytest.raises(DomainError) as soon:
        _raise(yearly, days=10)
    assert soon.value.code == ErrorCode.VALIDATION_ERROR
    assert "effective_at" in soon.value.details["fields"]

    first = _raise(yearly)
    with pytest.raises(DomainError) as again:
        _raise(yearly, new_price=15_000)
    assert again.value.code == ErrorCode.PRICE_CHANGE_EXISTS
    assert again.value.details == {"price_change_id": first.price_change_id}


def test_a_reserved_subscription_without_consent_is_cancelled_and_its_reservation_revoked(
    buyer, subscribe, fake_bootpay, settings
):
    settings.BILLING_MODE = "reserve"
    reserved = subscribe(buyer, price=10_000, interval="year")
    assert reserved.reserve_id
    change = _raise(reserved, on_no_consent="cancel_at_period_end")

    reserve_id = reserved.reserve_id

    # The reservation was made at the old price before the change: revoked at the sweep's first run,
    # while the buyer may still consent (the subscription lives on).
    assert subscriptions_apply_price_changes(now=change.created_at, gateway=fake_bootpay) == {"held": 1}
    reserved.refresh_from_db()
    assert reserved.status == "active" and reserved.reserve_id == ""
    assert fake_bootpay.reservations[reserve_id]["status"] == REVOKED
    assert subscriptions_apply_price_changes(now=change.effective_at - DAY, gateway=fake_bootpay) == {}

    counts = subscriptions_apply_price_changes(now=change.effective_at + DAY, gateway=fake_bootpay)

    reserved.refresh_from_db()
    assert counts == {"cancelled": 1}
    assert reserved.status == "cancelled" and reserved.reserve_id == ""
    assert fake_bootpay.calls.count("reservation_cancel") == 1


def test_a_decrease_asks_nobody_and_is_refused(yearly):
    with pytest.raises(DomainError) as lower:
        _raise(yearly, new_price=8_000)

    assert lower.value.code == ErrorCode.VALIDATION_ERROR
    assert "new_price" in lower.value.details["fields"]
    assert not SubscriptionPriceConsent.objects.exists()


def test_one_free_trial_per_buyer_and_product(buyer, register_key, subscribable, fake_bootpay):
    from payments.billing.services import subscription_cancel, subscription_create

    product, key = subscribable(trial_days=14, price=7_000), register_key(buyer)
    first = subscription_create(
        buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
    )
    subscription_cancel(subscription_id=first.subscription_id, actor=buyer, gateway=fake_bootpay)
    key = register_key(buyer)  # the first card was destroyed with its last subscription

    again = subscription_create(
        buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
    )

    assert first.trial_ends_at is not None and again.trial_ends_at is None
    assert (again.current_period, _charges(again)) == (1, [(1, 7_000)])
