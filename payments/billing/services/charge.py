"""Charging a period: claim (under the subscription's lock), send (no transaction open), answer.

The claim is a chain of small named checks (`_CLAIM_CHECKS`); every state change goes through
`payments.billing.states.charge_transition`. The answer: a receipt is booked on the period's order through
the money core (`payment_bind_receipt`), then the period advances (`services/period.py`); a refusal or no
answer is `services/outcomes.py`'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order
from orders.services import order_lock
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge
from payments.billing.services.common import (
    KEY_GONE,
    SYSTEM,
    KeyStatus,
    Kind,
    State,
    SubStatus,
    _cancel_in_tx,
    _charge_create,
    _charge_mark_sending,
    _escalate_if_overdue,
    _event,
    _mark_unknown,
    _Secret,
    _subscription_lock,
)
from payments.billing.services.keys import _key_destroy_if_unused
from payments.billing.services.notices import _legal_holds
from payments.billing.services.outcomes import _charge_declined, _charge_refunded, _charge_unknown
from payments.billing.services.period import _period_settle_and_reserve
from payments.billing.states import ChargeEvent, can_transition, charge_transition
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Receipt,
)
from payments.selectors import order_live_payment
from payments.services.common import (
    Actor,
    gateway_or_default,
    logger,
)
from payments.services.verify import payment_bind_receipt


@dataclass
class _Claim:
    charge: SubscriptionCharge | None
    order: Order | None = None
    key: _Secret | None = None  # set when this caller is to send the charge
    settle: bool = False  # the order is paid: advance
    ended: bool = False  # cancelled for want of consent to a price change: destroy an unused key
    why: str = ""  # not sent by this caller: why (`ChargeAttempt.outcome`)


@dataclass(frozen=True)
class ChargeAttempt:
    """What one call of `subscription_charge_attempt` did. `outcome`: `charged`, `declined` or `unknown`
    (this caller sent the charge; `refunded` / `cancelled` when its answer could not be booked), else why
    nothing was sent: `held` (another worker holds the subscription), `not_due`, `on_hold` (a notice the
    law requires), `ended`, `settled` (paid elsewhere), `in_flight`, `outcome_unknown`, `reserved`,
    `order_closed`, `paying_another_way`, `key_gone`."""

    outcome: str
    charge: SubscriptionCharge | None

    @property
    def sent(self) -> bool:
        return self.outcome in _SENT_OUTCOMES


# The state a sent charge ends in -> its outcome word (paid: `charged`).
_SENT_OUTCOMES = {State.PAID: "charged", State.DECLINED: "declined", State.UNKNOWN: "unknown"}


def subscription_charge_period(
    *,
    subscription_pk: int,
    actor: Actor | None = None,
    gateway: Gateway | None = None,
    now: datetime | None = None,
    skip_locked: bool = False,
) -> SubscriptionCharge | None:
    """Charge the subscription's next period if it is due, once; returns that period's charge.

    Idempotent and safe on several workers: the period's charge is claimed under the subscription's
    lock (`sending` with a lease), so one worker sends it and the others find it taken. A declined
    charge is retried only when its retry is due; an unknown one is never sent again (see the module
    docstring) — past `BILLING_UNKNOWN_GRACE` it turns the subscription past_due. Reserved at Bootpay
    (mode `reserve`): left to the reservation. Raises subscription_not_active once cancelled. None
    when `skip_locked` and another worker holds the subscription.
    """
    return subscription_charge_attempt(
        subscription_pk=subscription_pk, actor=actor, gateway=gateway, now=now, skip_locked=skip_locked
    ).charge


def subscription_charge_attempt(
    *,
    subscription_pk: int,
    actor: Actor | None = None,
    gateway: Gateway | None = None,
    now: datetime | None = None,
    skip_locked: bool = False,
) -> ChargeAttempt:
    """`subscription_charge_period`, saying what this call did (`ChargeAttempt.outcome`): the renewal task
    counts what was charged, not what was looked at."""
    actor = actor or SYSTEM
    gateway = gateway_or_default(gateway)
    now = now or timezone.now()
    claim = _charge_claim(subscription_pk, actor=actor, now=now, skip_locked=skip_locked)
    if claim.ended:
        subscription = Subscription.objects.get(pk=subscription_pk)
        _key_destroy_if_unused(
            key_pk=subscription.billing_key_id, subscription=subscription, actor=actor, gateway=gateway
        )
        return ChargeAttempt("ended", None)
    if claim.settle and claim.charge is not None:
        return ChargeAttempt(
            "settled", _period_settle_and_reserve(claim.charge.pk, actor=actor, gateway=gateway)
        )
    if claim.key is None or claim.charge is None or claim.order is None:
        return ChargeAttempt(claim.why, claim.charge)
    charge = _charge_send(claim, actor=actor, gateway=gateway)
    return ChargeAttempt(_SENT_OUTCOMES.get(charge.state, charge.state), charge)


def _charge_send(claim: _Claim, *, actor: Actor, gateway: Gateway) -> SubscriptionCharge:
    """The claimed charge sent to Bootpay (no transaction open), its answer applied."""
    order, charge = claim.order, claim.charge
    attempt = charge.attempts
    try:
        receipt = gateway.charge_billing_key(
            billing_key=claim.key.value,
            order_id=order.order_id,
            order_name=order.order_name,
            price=order.total_amount,
            tax_free=order.tax_free_amount,
        )
    except GatewayUnavailable as exc:
        logger.warning("subscription charge %s outcome unknown: %s", order.order_id, exc.reason)
        return _charge_unknown(charge.pk, actor=actor, reason=exc.reason, stage="charge", attempt=attempt)
    except GatewayError as exc:
        return _charge_declined(
            charge.pk, actor=actor, code=exc.code, message=exc.message, gateway=gateway, attempt=attempt
        )
    finally:
        claim.key = None
    return _charge_book(charge.pk, receipt, actor=actor, gateway=gateway, attempt=attempt)


def _charge_claim(subscription_pk: int, *, actor: Actor, now: datetime, skip_locked: bool) -> _Claim:
    """Under the subscription's lock: the period due, and whether this caller is to send its charge.

    The checks of `_CLAIM_CHECKS` run in order; the first that answers settles the claim without a call
    to Bootpay. When none does, the charge moves to `sending` (`ChargeEvent.SEND`) with the plain key.
    """
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk, skip_locked=skip_locked)
        if subscription is None:
            if skip_locked:
                return _Claim(charge=None, why="held")
            raise DomainError(ErrorCode.SUBSCRIPTION_NOT_FOUND)
        if subscription.status == SubStatus.CANCELLED:
            raise DomainError(ErrorCode.SUBSCRIPTION_NOT_ACTIVE)
        # The notices the law requires come first: a paid charge after a trial announced 7 days ahead,
        # a price increase only with consent (services/notices.py).
        hold, ended = _legal_holds(subscription, actor=actor, now=now)
        if hold:
            return _Claim(charge=None, ended=ended, why="on_hold")
        read = _period_due(subscription, actor=actor, now=now)
        if read is None:
            return _Claim(charge=None, why="not_due")
        for check, why in _CLAIM_CHECKS:
            if (claim := check(read)) is not None:
                claim.why = why
                return claim
        plain = _Secret(read.key.key)  # before the claim: a key that cannot be decrypted changes nothing
        _charge_mark_sending(read.charge, now=now)
    return _Claim(charge=read.charge, order=read.order, key=plain)


@dataclass
class _Due:
    """What a claim reads under the subscription's lock: the period's charge and its locked order."""

    subscription: Subscription
    charge: SubscriptionCharge
    order: Order
    due: bool
    actor: Actor
    now: datetime
    key: BillingKey | None = None  # read by `_key_gone`


def _period_due(subscription: Subscription, *, actor: Actor, now: datetime) -> _Due | None:
    """The next period's charge (created once it is due) with its order locked; None: nothing due."""
    period = subscription.current_period + 1
    due = subscription.next_charge_at is not None and subscription.next_charge_at <= now
    charge = SubscriptionCharge.objects.filter(subscription=subscription, period=period).first()
    if charge is None:
        if not due:
            return None
        charge = _charge_create(subscription, period=period, due=subscription.next_charge_at)
    order = order_lock(order_pk=charge.order_id)
    return _Due(subscription=subscription, charge=charge, order=order, due=due, actor=actor, now=now)


def _booked_elsewhere(read: _Due) -> _Claim | None:
    """Its order is paid (a webhook, the buyer, staff): the period advances, nothing is sent."""
    if read.order.paid_at is not None and read.charge.state != State.PAID:
        return _Claim(charge=read.charge, settle=True)
    return None


def _in_flight(read: _Due) -> _Claim | None:
    """Being sent: by another worker while its lease runs; else its sender stopped mid-call and Bootpay
    may have charged — `unknown`, never sent again by itself."""
    charge = read.charge
    if charge.state != State.SENDING:
        return None
    if charge.sending_until is None or charge.sending_until <= read.now:
        _mark_unknown(
            read.subscription, charge, actor=read.actor, reason="the sender's lease ran out", stage="charge"
        )
    return _Claim(charge=charge)


def _outcome_unknown(read: _Due) -> _Claim | None:
    """Sent and not answered: never sent again; past the grace, the subscription goes to staff."""
    if read.charge.state != State.UNKNOWN:
        return None
    _escalate_if_overdue(read.subscription, read.charge, actor=read.actor, now=read.now)
    return _Claim(charge=read.charge)


def _not_sendable(read: _Due) -> _Claim | None:
    """Not due yet, or in a state the table does not send from (paid, cancelled)."""
    if not read.due or not can_transition(read.charge, ChargeEvent.SEND):
        return _Claim(charge=read.charge)
    return None


def _reserved_at_bootpay(read: _Due) -> _Claim | None:
    """Bootpay charges it by itself (`subscriptions_settle_reservations` books what it did)."""
    subscription = read.subscription
    if subscription.mode == Subscription.Mode.RESERVE and subscription.reserve_id:
        return _Claim(charge=read.charge)
    return None


def _order_closed(read: _Due) -> _Claim | None:
    """Closed by someone else (the buyer cancelled the unpaid order): this period is given up."""
    if read.order.is_payable:
        return None
    charge_transition(read.charge, ChargeEvent.GIVEN_UP)
    read.charge.save(update_fields=["state", "updated_at"])
    _cancel_in_tx(read.subscription, actor=read.actor, reason="order_closed", now=read.now)
    return _Claim(charge=read.charge)


def _paying_another_way(read: _Due) -> _Claim | None:
    """The buyer is paying this period another way (a virtual account awaiting its deposit, an approval
    awaiting confirmation): no charge while it lives, and no retry spent on it."""
    if order_live_payment(order=read.order) is not None:
        return _Claim(charge=read.charge)
    return None


def _key_gone(read: _Due) -> _Claim | None:
    """Its billing key no longer charges: declined without a call, and the subscription ends."""
    read.key = key = BillingKey.objects.get(pk=read.subscription.billing_key_id)
    if key.status == KeyStatus.ACTIVE:
        return None
    charge, subscription = read.charge, read.subscription
    charge_transition(charge, ChargeEvent.KEY_GONE)
    charge.last_error_code = KEY_GONE
    charge.save(update_fields=["state", "last_error_code", "updated_at"])
    _event(
        subscription, Kind.DECLINED, read.actor, period=charge.period, pg_code=KEY_GONE, key_status=key.status
    )
    _cancel_in_tx(
        subscription, actor=read.actor, reason="billing_key_gone", now=read.now, keep_state_of=charge.pk
    )
    return _Claim(charge=charge)


# In this order: a paid order wins over everything; an open outcome is never sent again; then only a
# due `pending` or `declined` charge goes on, and is sent unless one of the last four holds it back.
# Each with the outcome word of a claim it settles.
_CLAIM_CHECKS = (
    (_booked_elsewhere, "settled"),
    (_in_flight, "in_flight"),
    (_outcome_unknown, "outcome_unknown"),
    (_not_sendable, "not_due"),
    (_reserved_at_bootpay, "reserved"),
    (_order_closed, "order_closed"),
    (_paying_another_way, "paying_another_way"),
    (_key_gone, "key_gone"),
)


def _charge_book(
    charge_pk: int,
    receipt: Receipt,
    *,
    actor: Actor,
    gateway: Gateway,
    reserve: bool = True,
    reserve_id: str = "",
    attempt: int | None = None,
) -> SubscriptionCharge:
    """Book the receipt of a charge's `attempt` (or of the executed reservation `reserve_id`, consumed
    whatever happens) on the period's order, then advance."""
    charge = SubscriptionCharge.objects.get(pk=charge_pk)
    try:
        payment_bind_receipt(order_pk=charge.order_id, receipt=receipt, actor=actor, gateway=gateway)
    except DomainError as exc:
        # Refused by the money core (its order closed, another payment of it under way, an amount that
        # differs): recorded there and any money refunded. Our refusal is never the card's decline.
        unpaid = Order.objects.filter(pk=charge.order_id, paid_at__isnull=True).exists()
        if unpaid and exc.code == ErrorCode.PAYMENT_FAILED:  # the receipt itself failed: Bootpay's refusal
            return _charge_declined(
                charge_pk,
                actor=actor,
                code=exc.code,
                message="",
                gateway=gateway,
                reserve_id=reserve_id,
                attempt=attempt,
            )
        charge = _charge_refunded(
            charge_pk,
            actor=actor,
            receipt_id=receipt.receipt_id,
            code=exc.code,
            reserve_id=reserve_id,
            its_own=attempt is None or attempt == charge.attempts,
        )
        if unpaid:
            return charge
        reserve_id = ""  # consumed above
    else:
        settled = SubscriptionCharge.objects.get(pk=charge_pk)
        if not reserve_id and reserve and settled.state == State.PAID:
            return settled  # the booking's own hook (`on_order_paid`) settled and advanced it: no second pass
    return _period_settle_and_reserve(
        charge_pk, actor=actor, gateway=gateway, reserve=reserve, consumed_reserve_id=reserve_id
    )
