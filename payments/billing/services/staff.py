"""Staff settle an unknown outcome: charge the due period again (after checking Bootpay's console), or
book the receipt Bootpay's console shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services.cancel import _visible_subscription
from payments.billing.services.charge import subscription_charge_period
from payments.billing.services.common import (
    OPEN_STATES,
    Kind,
    State,
    SubStatus,
    _event,
    _reserved_charge,
    _subscription_lock,
)
from payments.billing.services.period import _period_settle_and_reserve
from payments.billing.states import ChargeEvent, charge_transition
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
)
from payments.services.common import (
    Actor,
    check_receipt_id,
    gateway_failure,
    gateway_or_default,
)
from payments.services.verify import payment_bind_receipt


def _staff_subscription(subscription_id: Any, actor: AbstractBaseUser | AnonymousUser) -> Subscription:
    if not (actor.is_authenticated and actor.is_staff):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return _visible_subscription(subscription_id, actor)


def subscription_charge_retry(
    *,
    subscription_id: str,
    actor: AbstractBaseUser,
    gateway: Gateway | None = None,
    no_charge_confirmed: bool = False,
) -> SubscriptionCharge | None:
    """Staff, having checked Bootpay's console that an unknown (or declined) charge took no money,
    charge the period again now. Only the period due (current_period + 1), and only when its charge is
    `unknown` or `declined`: anything else (paid up, not created yet, pending, being sent) is refused
    and nothing moves, so a stale second click or an action on a selection never charges a period
    early. An `unknown` charge younger than `BILLING_UNKNOWN_GRACE` is refused (its webhook may still
    come: charging again could charge twice) unless staff state `no_charge_confirmed` (Bootpay's
    console shows no charge), which the event records. Raises permission_denied,
    subscription_not_found, subscription_not_active, subscription_nothing_to_retry,
    charge_outcome_open."""
    subscription = _staff_subscription(subscription_id, actor)
    who = Actor.of(actor)
    now = timezone.now()
    with transaction.atomic():
        subscription = _subscription_lock(subscription.pk)
        if subscription.status == SubStatus.CANCELLED:
            raise DomainError(ErrorCode.SUBSCRIPTION_NOT_ACTIVE)
        charge = _reserved_charge(subscription)
        # A period left to staff with nothing sent (a refusal of ours that would repeat) may be retried too.
        stalled = subscription.status == SubStatus.PAST_DUE and subscription.next_charge_at is None
        retryable = (
            (State.UNKNOWN, State.DECLINED, State.PENDING) if stalled else (State.UNKNOWN, State.DECLINED)
        )
        due_at = _reservation_due_at(subscription, charge)
        if charge is None or charge.state not in retryable or (due_at is not None and due_at > now):
            raise DomainError(
                ErrorCode.SUBSCRIPTION_NOTHING_TO_RETRY,
                details={
                    "period": subscription.current_period + 1,
                    "charge_state": charge.state if charge is not None else None,
                    "due_at": due_at.isoformat() if due_at else None,
                },
            )
        open_since = charge.sent_at or charge.updated_at
        if due_at is not None:  # a reservation whose call was not answered may run at the period's date
            open_since = max(open_since, due_at)
        if (
            charge.state == State.UNKNOWN
            and not no_charge_confirmed
            and now - open_since < settings.BILLING_UNKNOWN_GRACE
        ):
            raise DomainError(
                ErrorCode.CHARGE_OUTCOME_OPEN,
                details={
                    "period": charge.period,
                    "retry_after": (open_since + settings.BILLING_UNKNOWN_GRACE).isoformat(),
                },
            )
        previous = charge.state
        charge_transition(charge, ChargeEvent.STAFF_RETRY)
        charge.save(update_fields=["state", "updated_at"])
        subscription.next_charge_at = now
        subscription.save(update_fields=["next_charge_at", "updated_at"])
        _event(
            subscription,
            Kind.STAFF_ACTION,
            who,
            action="charge_again",
            period=subscription.current_period + 1,
            previous_state=previous,
            no_charge_confirmed=no_charge_confirmed,
        )
    return subscription_charge_period(subscription_pk=subscription.pk, actor=who, gateway=gateway, now=now)


def _reservation_due_at(subscription: Subscription, charge: SubscriptionCharge | None) -> datetime | None:
    """When an `unknown` charge whose open call was a reservation may still be run by Bootpay: the
    period's date. None for a charge call (its money, if any, was taken when it was sent)."""
    if charge is None or charge.state != State.UNKNOWN:
        return None
    last_unknown = (
        subscription.events.filter(kind=Kind.OUTCOME_UNKNOWN, data__period=charge.period)
        .order_by("-pk")
        .first()
    )
    if last_unknown is None or last_unknown.data.get("stage") != "reserve":
        return None
    return subscription.current_period_end


def subscription_charge_book_receipt(
    *, subscription_id: str, receipt_id: str, actor: AbstractBaseUser, gateway: Gateway | None = None
) -> SubscriptionCharge:
    """Staff book the receipt Bootpay's console shows for the period due (an unknown charge that went
    through and whose webhook never came) — on a cancelled subscription too, whose open charge is then
    refunded (its order is closed) and settled. The receipt must name the period's order (the money
    core checks it against the order as always). Raises permission_denied, subscription_not_found,
    validation_error, receipt_order_mismatch, amount_mismatch…, gateway_unavailable; order_not_payable
    when the period's order is closed (the money then went back: the charge shows `charge_refunded`)."""
    subscription = _staff_subscription(subscription_id, actor)
    check_receipt_id(receipt_id)
    gateway = gateway_or_default(gateway)
    charge = subscription.charges.filter(state__in=OPEN_STATES).order_by(
        "period"
    ).first() or _reserved_charge(subscription)
    if charge is None:
        raise DomainError.invalid("receipt_id", "no charge of this subscription is waiting")
    try:
        receipt = gateway.lookup_receipt(receipt_id)
    except (GatewayError, GatewayUnavailable) as exc:
        raise gateway_failure(exc) from exc
    who = Actor.of(actor)
    with transaction.atomic():
        _event(
            _subscription_lock(subscription.pk),
            Kind.STAFF_ACTION,
            who,
            action="book_receipt",
            period=charge.period,
            receipt_id=receipt_id,
        )
    payment_bind_receipt(order_pk=charge.order_id, receipt=receipt, actor=who, gateway=gateway)
    return _period_settle_and_reserve(charge.pk, actor=who, gateway=gateway)
