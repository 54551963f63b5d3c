"""What every billing service shares: the actors, Bootpay's codes, the row locks (subscription first,
the charge read under it), the event log (`_event`: each change of a subscription appends a
`SubscriptionEvent`), the period arithmetic, a period's charge and order (`_charge_create`) and the
cancel of a locked subscription."""

from __future__ import annotations

import calendar
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import SubscriptionInterval
from orders.services import order_close_unpaid, order_create_for_subscription
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge, SubscriptionEvent
from payments.billing.states import ChargeEvent, charge_transition
from payments.services.common import (
    Actor,
    attempt_lease,
)

Kind = SubscriptionEvent.Kind


State = SubscriptionCharge.State


SubStatus = Subscription.Status


KeyStatus = BillingKey.Status


SYSTEM = Actor(label="billing")


RESERVATION_ACTOR = Actor(label="reservation")


# Bootpay's codes (docs: the Bootpay contract §2.4, §4; the emulator's for reservations).
NOT_SUBSCRIBE = "RC_NOT_SUBSCRIBE"


KEY_GONE = "SUBSCRIBE_BK_EXPIRED"


RESERVATION_FAILED = "RESERVATION_FAILED"  # ours: Bootpay ran the reservation and it failed


# A period not paid and not given up yet: its order is open for the subscription.
UNPAID_STATES = (State.PENDING, State.SENDING, State.UNKNOWN, State.DECLINED)


OPEN_STATES = SubscriptionCharge.OPEN_STATES


class _Secret:
    """A plain billing key on its way to one gateway call: its repr never shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<billing key>"


def _event(subscription: Subscription, kind: str, actor: Actor, **data: Any) -> SubscriptionEvent:
    return SubscriptionEvent.objects.create(
        subscription=subscription, kind=kind, actor=actor.user, actor_label=actor.label, data=data
    )


def _subscription_lock(subscription_pk: int, *, skip_locked: bool = False) -> Subscription | None:
    """The subscription row under `select_for_update` (None when `skip_locked` and another holds it)."""
    return (
        Subscription.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .filter(pk=subscription_pk)
        .first()
    )


def _charge_lock(charge_pk: int, *, consumed_reserve_id: str = "") -> tuple[Subscription, SubscriptionCharge]:
    """The charge's subscription under its lock (subscriptions lock first), and the charge read under it.

    `consumed_reserve_id`: a reservation whose outcome has been looked up; the subscription forgets it when
    it still holds it, so it is never looked up again. Call inside a transaction.
    """
    subscription_pk = (
        SubscriptionCharge.objects.filter(pk=charge_pk).values_list("subscription_id", flat=True).get()
    )
    subscription = _subscription_lock(subscription_pk)
    charge = SubscriptionCharge.objects.get(pk=charge_pk)
    if consumed_reserve_id and subscription.reserve_id == consumed_reserve_id:
        subscription.reserve_id = ""
        subscription.save(update_fields=["reserve_id", "updated_at"])
    return subscription, charge


def _invalid_key(reason: str) -> DomainError:
    return DomainError(ErrorCode.BILLING_KEY_INVALID, details={"reason": reason})


def period_order_id(subscription_pk: int, period: int) -> str:
    """The public order id of a subscription's period: deterministic, of the shape of every order id
    (`ord_` + 24 hex) and as unguessable (an HMAC under SECRET_KEY), so it reveals no counts."""
    message = f"subscription-order:{subscription_pk}:{period}".encode()
    return f"ord_{hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:24]}"


def add_interval(moment: datetime, interval: str) -> datetime:
    """`moment` plus one week, month or year, in local time; a day the month lacks becomes its last."""
    if interval == SubscriptionInterval.WEEK:
        return moment + timedelta(days=7)
    local = timezone.localtime(moment)
    months = local.month - 1 + (1 if interval == SubscriptionInterval.MONTH else 12)
    year, month = local.year + months // 12, months % 12 + 1
    return local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))


def retry_schedule() -> list[timedelta]:
    """When a declined period is tried again, counted from its first decline (then: cancelled)."""
    return [timedelta(hours=hours) for hours in settings.BILLING_RETRY_SCHEDULE_HOURS]


def _order_deadline(due: datetime) -> datetime:
    """A period's order stays payable through every retry and the unknown-outcome grace, plus a day."""
    last_retry = retry_schedule()[-1] if settings.BILLING_RETRY_SCHEDULE_HOURS else timedelta(0)
    return max(due, timezone.now()) + last_retry + settings.BILLING_UNKNOWN_GRACE + timedelta(days=1)


def _charge_create(subscription: Subscription, *, period: int, due: datetime) -> SubscriptionCharge:
    """The period's charge and its order. Caller holds the subscription's lock."""
    order = order_create_for_subscription(
        buyer=subscription.buyer,
        product_id=subscription.product_id,
        unit_price=subscription.price,
        is_tax_free=subscription.tax_free > 0,
        order_id=period_order_id(subscription.pk, period),
        expires_at=_order_deadline(due),
        renewal=period > 1 or subscription.trial_ends_at is not None,  # after a trial: like a renewal
    )
    return SubscriptionCharge.objects.create(subscription=subscription, period=period, order=order)


def _cancel_in_tx(
    subscription: Subscription,
    *,
    actor: Actor,
    reason: str,
    now: datetime,
    keep_state_of: int | None = None,
) -> None:
    """Mark a locked subscription cancelled and give up every unpaid period after the current one: its
    order closed (what is under way on it withdrawn: an approval, a virtual account) and its charge
    `cancelled` — but `keep_state_of` (a charge the caller just recorded as declined) and a charge
    whose outcome is open (`sending`, `unknown`): Bootpay may hold its money, so it stays open and
    listed until a receipt settles it (a late one meets the closed order and is refunded:
    `_charge_refunded`). A reservation left is the caller's business."""
    subscription.status = SubStatus.CANCELLED
    subscription.cancelled_at = now
    subscription.next_charge_at = None
    subscription.save(update_fields=["status", "cancelled_at", "next_charge_at", "updated_at"])
    _event(subscription, Kind.CANCELLED, actor, reason=reason)
    unpaid = subscription.charges.filter(period__gt=subscription.current_period, state__in=UNPAID_STATES)
    for charge in unpaid.order_by("period"):
        if charge.pk != keep_state_of and charge.state not in OPEN_STATES:
            charge_transition(charge, ChargeEvent.GIVEN_UP)
            charge.sending_until = None
            charge.save(update_fields=["state", "sending_until", "updated_at"])
        order_close_unpaid(order_pk=charge.order_id, label="subscription")


def _period_order_closed(
    subscription: Subscription,
    charge: SubscriptionCharge,
    *,
    actor: Actor,
    now: datetime,
    outcome_known: bool,
) -> None:
    """A period's order was closed unpaid by someone else than billing (its buyer; or a receipt met it
    closed): the period is given up — its charge `cancelled`, but one whose outcome is open and not
    `outcome_known` stays open — and a live subscription is cancelled (reason `order_closed`). Caller
    holds the subscription's and the order's locks."""
    if charge.state in UNPAID_STATES and (outcome_known or charge.state not in OPEN_STATES):
        charge_transition(charge, ChargeEvent.GIVEN_UP)
        charge.sending_until = None
        charge.save(update_fields=["state", "sending_until", "updated_at"])
    if subscription.status != SubStatus.CANCELLED and charge.period > subscription.current_period:
        _cancel_in_tx(subscription, actor=actor, reason="order_closed", now=now)


def _mark_unknown(
    subscription: Subscription, charge: SubscriptionCharge, *, actor: Actor, reason: str, stage: str
) -> None:
    charge_transition(charge, ChargeEvent.NO_ANSWER)
    charge.sending_until = None
    charge.save(update_fields=["state", "sending_until", "updated_at"])
    _event(subscription, Kind.OUTCOME_UNKNOWN, actor, period=charge.period, stage=stage, reason=reason[:200])


def _charge_mark_sending(charge: SubscriptionCharge, *, now: datetime) -> None:
    """Claim a charge for one call to Bootpay: from here its outcome is open until an answer, a receipt
    or staff settle it (`SubscriptionCharge.OPEN_STATES`)."""
    charge_transition(charge, ChargeEvent.SEND)
    charge.sending_until = now + attempt_lease()
    charge.sent_at = timezone.now()
    charge.attempts += 1
    charge.save(update_fields=["state", "sending_until", "sent_at", "attempts", "updated_at"])


def _late_answer(
    subscription: Subscription,
    charge: SubscriptionCharge,
    *,
    attempt: int | None,
    actor: Actor,
    **answer: Any,
) -> bool:
    """An answer to an earlier attempt than the charge's latest (staff charged again meanwhile): it says
    nothing about the latest one, whose outcome stays as it is. Recorded; True when it is such."""
    if attempt is None or attempt == charge.attempts:
        return False
    _event(subscription, Kind.LATE_ANSWER, actor, period=charge.period, attempt=attempt, **answer)
    return True


def _escalate_if_overdue(
    subscription: Subscription, charge: SubscriptionCharge, *, actor: Actor, now: datetime
) -> None:
    """An unknown outcome past the grace: past_due, no automatic charge until staff settle it."""
    since = max(charge.updated_at, subscription.next_charge_at or charge.updated_at)
    if now - since < settings.BILLING_UNKNOWN_GRACE or subscription.next_charge_at is None:
        return
    subscription.status = SubStatus.PAST_DUE
    subscription.next_charge_at = None
    subscription.save(update_fields=["status", "next_charge_at", "updated_at"])
    _event(subscription, Kind.PAST_DUE, actor, period=charge.period, reason="outcome_unknown")


def _reserved_charge(subscription: Subscription) -> SubscriptionCharge | None:
    return SubscriptionCharge.objects.filter(
        subscription=subscription, period=subscription.current_period + 1
    ).first()
