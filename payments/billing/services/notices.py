"""The two notices the law requires before money is taken differently than agreed (docs/billing.md,
"Notices the law requires"), as they bear on charging a period. Both run under the subscription's lock,
just before the next period's charge would be created, so they and the charge never race:

- a paid charge after a free period (a trial) is announced at least `BILLING_UPCOMING_NOTICE_DAYS`
  (7) ahead, once per period (`upcoming_notice_period` is the marker); a charge whose notice was not
  recorded that early is postponed to notice + 7 days, never taken on a shorter notice;
- a seller's price increase (`SubscriptionPriceChange`) applies to a period beginning at or after its
  `effective_at` only when the buyer consented in time; otherwise the price is kept or the subscription
  ends with its paid period, as the seller chose.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from payments.billing.models import (
    Subscription,
    SubscriptionCharge,
    SubscriptionPriceChange,
    SubscriptionPriceConsent,
)
from payments.billing.services.common import Kind, _cancel_in_tx, _event
from payments.services.common import Actor

ConsentState = SubscriptionPriceConsent.State
OnNoConsent = SubscriptionPriceChange.OnNoConsent


def notice_days() -> timedelta:
    return timedelta(days=settings.BILLING_UPCOMING_NOTICE_DAYS)


def _follows_free_period(subscription: Subscription) -> bool:
    """Its next period is the first paid one after a free trial: the one the notice is owed for."""
    return subscription.trial_ends_at is not None and subscription.current_period == 0


def _upcoming_notice_record(subscription: Subscription, *, actor: Actor, now: datetime) -> bool:
    """Record the notice of the next period's charge once (caller holds the subscription's lock), and
    move the charge to no sooner than now + the notice days. True when recorded now."""
    period = subscription.current_period + 1
    if subscription.upcoming_notice_period == period or subscription.next_charge_at is None:
        return False
    charge_at = max(subscription.next_charge_at, now + notice_days())
    subscription.upcoming_notice_period = period
    subscription.upcoming_notice_at = now
    subscription.next_charge_at = charge_at
    subscription.save(
        update_fields=["upcoming_notice_period", "upcoming_notice_at", "next_charge_at", "updated_at"]
    )
    _event(
        subscription,
        Kind.UPCOMING_CHARGE,
        actor,
        period=period,
        amount=subscription.price,
        charge_at=charge_at.isoformat(),
    )
    return True


def _upcoming_notice_holds(subscription: Subscription, *, actor: Actor, now: datetime) -> bool:
    """True when the next period may not be charged yet: its notice is missing (recorded now: the
    charge moves to now + 7 days) or younger than the notice days (the charge waits for it)."""
    if not _follows_free_period(subscription):
        return False
    if subscription.upcoming_notice_period != subscription.current_period + 1:
        _upcoming_notice_record(subscription, actor=actor, now=now)
        return True
    earliest = subscription.upcoming_notice_at + notice_days()
    if now >= earliest:
        return False
    if subscription.next_charge_at is not None and subscription.next_charge_at < earliest:
        subscription.next_charge_at = earliest
        subscription.save(update_fields=["next_charge_at", "updated_at"])
    return True


def _open_price_consent(subscription: Subscription) -> SubscriptionPriceConsent | None:
    return (
        SubscriptionPriceConsent.objects.select_related("price_change")
        .filter(subscription=subscription, state__in=SubscriptionPriceConsent.OPEN_STATES)
        .first()
    )


def _price_consent_settle(
    subscription: Subscription, consent: SubscriptionPriceConsent, *, actor: Actor, now: datetime
) -> bool:
    """Settle a price change whose time has come (caller holds the subscription's lock): consented →
    the new price from now on; otherwise the old price is kept, or the subscription is cancelled
    (`on_no_consent`). True when it cancelled the subscription (the caller then destroys an unused key)."""
    change = consent.price_change
    consent.settled_at = now
    data = {"price": consent.price, "new_price": change.new_price, "price_change_id": change.price_change_id}
    if consent.state == ConsentState.CONSENTED:
        consent.state = ConsentState.APPLIED
        consent.save(update_fields=["state", "settled_at"])
        subscription.price, subscription.tax_free = change.new_price, change.new_tax_free
        subscription.save(update_fields=["price", "tax_free", "updated_at"])
        _event(subscription, Kind.PRICE_CHANGE_APPLIED, actor, **data)
        return False
    cancel = change.on_no_consent == OnNoConsent.CANCEL_AT_PERIOD_END
    consent.state = ConsentState.CANCELLED if cancel else ConsentState.KEPT
    consent.save(update_fields=["state", "settled_at"])
    _event(subscription, Kind.PRICE_CHANGE_DECLINED, actor, on_no_consent=change.on_no_consent, **data)
    if cancel:
        _cancel_in_tx(subscription, actor=actor, reason="price_change_not_consented", now=now)
    return cancel


def _price_change_due(subscription: Subscription, *, actor: Actor, now: datetime) -> bool:
    """Before the next period's charge is created: a price change effective for that period (it begins
    at `next_charge_at`, at or after `effective_at`) is settled. True when the subscription ended."""
    consent = _open_price_consent(subscription)
    if consent is None or subscription.next_charge_at is None:
        return False
    if consent.price_change.effective_at > subscription.next_charge_at:
        return False  # the period due began before the new price: charged as agreed
    return _price_consent_settle(subscription, consent, actor=actor, now=now)


def _price_change_outcome(subscription: Subscription, *, actor: Actor, now: datetime) -> tuple[bool, bool]:
    """Before the next period is reserved at Bootpay (mode `reserve`, caller holds the lock): (unknown,
    ended). A change effective for that period whose answer is known (consented, or its deadline passed)
    is settled now, so the reservation is made at the price the buyer agreed to, or not at all (`ended`:
    cancelled for want of consent). `unknown`: the buyer may still consent — reserve nothing yet."""
    consent = _open_price_consent(subscription)
    if consent is None or subscription.next_charge_at is None:
        return False, False
    change = consent.price_change
    if change.effective_at > subscription.next_charge_at:
        return False, False  # that period begins before the new price: reserved as agreed
    if consent.state == ConsentState.PENDING and now <= change.consent_deadline:
        return True, False
    return False, _price_consent_settle(subscription, consent, actor=actor, now=now)


def _price_change_unsent_period(
    subscription: Subscription, charge: SubscriptionCharge, *, actor: Actor, now: datetime
) -> bool:
    """The period due has a charge that took no money yet (`pending`: its reservation, made at the old
    price before the change, was revoked by `subscriptions_apply_price_changes`; `declined`: it ran and
    failed) and begins (`current_period_end`, where it was scheduled) at or after an open change's
    `effective_at`: the change settles now, as it would have when the charge was created. True when the
    subscription ended. Consented: the new price from the next period on — this period's order was
    created at the old one and keeps it (docs/billing.md, "Reserved mode")."""
    if charge.state not in (SubscriptionCharge.State.PENDING, SubscriptionCharge.State.DECLINED):
        return False
    begins = subscription.current_period_end
    consent = _open_price_consent(subscription)
    if consent is None or begins is None or consent.price_change.effective_at > begins:
        return False
    return _price_consent_settle(subscription, consent, actor=actor, now=now)


def _legal_holds(subscription: Subscription, *, actor: Actor, now: datetime) -> tuple[bool, bool]:
    """Under the subscription's lock, before its next period is charged: (hold, ended). `hold`: do not
    charge now (a notice is owed or too young, or the subscription ended for want of consent); `ended`:
    it was cancelled here. The notice is checked before the period's charge exists; the price change
    also when the charge exists but took no money yet (a reservation revoked for it)."""
    due = subscription.next_charge_at is not None and subscription.next_charge_at <= now
    if not due:
        return False, False
    period = subscription.current_period + 1
    charge = SubscriptionCharge.objects.filter(subscription=subscription, period=period).first()
    if charge is not None:
        ended = _price_change_unsent_period(subscription, charge, actor=actor, now=now)
        return ended, ended
    if _upcoming_notice_holds(subscription, actor=actor, now=now):
        return True, False
    ended = _price_change_due(subscription, actor=actor, now=now)
    return ended, ended
