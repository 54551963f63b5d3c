"""Cancelling: by the buyer or staff (`subscription_cancel`), and a period's order closed unpaid by
someone other than billing (`on_unpaid_order_closing`, the receiver of orders' `unpaid_order_closing`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order
from orders.services import order_lock
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services.common import (
    UNPAID_STATES,
    SubStatus,
    _cancel_in_tx,
    _charge_lock,
    _period_order_closed,
    _subscription_lock,
)
from payments.billing.services.keys import _key_destroy_if_unused
from payments.billing.services.reservations import _reservation_revoke
from payments.gateway import Gateway
from payments.services.common import (
    Actor,
    gateway_or_default,
    logger,
)


def _visible_subscription(subscription_id: Any, user: AbstractBaseUser | AnonymousUser) -> Subscription:
    subscription = (
        Subscription.objects.filter(subscription_id=subscription_id).first()
        if isinstance(subscription_id, str) and user.is_authenticated
        else None
    )
    if subscription is None or not (subscription.buyer_id == user.pk or user.is_staff):
        raise DomainError(ErrorCode.SUBSCRIPTION_NOT_FOUND)
    return subscription


def subscription_cancel(
    *, subscription_id: str, actor: AbstractBaseUser | AnonymousUser, gateway: Gateway | None = None
) -> Subscription:
    """Stop a subscription's future charges: its buyer or staff.

    In this order: the pending reservation is cancelled at Bootpay (one that already ran is booked
    first), then the subscription is cancelled and its unpaid periods' orders closed, then its key is
    destroyed at Bootpay when no other active or past-due subscription uses it (Bootpay's destroy does
    not cancel reservations, hence the order). Paid periods stay paid (refunds are `payment_cancel`'s).
    Raises subscription_not_found; gateway_unavailable / gateway_error when the reservation could not be
    cancelled (nothing changed: retry). Idempotent: cancelling again retries a key destroy that failed.
    """
    subscription = _visible_subscription(subscription_id, actor)
    who = Actor.of(actor)
    reason = (
        "cancelled_by_buyer"
        if who.user is not None and who.user.pk == subscription.buyer_id
        else "cancelled_by_staff"
    )
    return _subscription_cancel(subscription, who=who, reason=reason, gateway=gateway_or_default(gateway))


def _subscription_cancel(
    subscription: Subscription, *, who: Actor, reason: str, gateway: Gateway
) -> Subscription:
    """`subscription_cancel` once the caller is known to be allowed (also billing's own cancels, e.g. a
    price increase not consented to): reservation, subscription and orders, then the unused key."""
    if subscription.reserve_id:
        _reservation_revoke(subscription.pk, actor=who, gateway=gateway)
    now = timezone.now()
    with transaction.atomic():
        subscription = _subscription_lock(subscription.pk)
        leftover_reservation = bool(subscription.reserve_id)  # reserved by a settle racing with us
        if subscription.status != SubStatus.CANCELLED:
            _cancel_in_tx(subscription, actor=who, reason=reason, now=now)
    if leftover_reservation:
        try:
            _reservation_revoke(subscription.pk, actor=who, gateway=gateway)
        except DomainError:
            logger.warning(
                "subscription %s: a reservation is left for the sweep", subscription.subscription_id
            )
    _key_destroy_if_unused(
        key_pk=subscription.billing_key_id, subscription=subscription, actor=who, gateway=gateway
    )
    subscription.refresh_from_db()
    return subscription


def _charge_order_closed(charge_pk: int, *, actor: Actor) -> SubscriptionCharge:
    """A period's order was closed unpaid by someone else (its buyer): that period is given up and the
    subscription cancelled (reason `order_closed`). A charge whose outcome is open keeps it (its late
    receipt meets the closed order and is refunded, which settles it: `_charge_refunded`)."""
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk)
        order = order_lock(order_pk=charge.order_id)
        if order.paid_at is not None or order.is_payable:
            return charge
        _period_order_closed(subscription, charge, actor=actor, now=timezone.now(), outcome_known=False)
    return charge


def on_unpaid_order_closing(
    sender: object = None, *, order: Order, actor: AbstractBaseUser | None, label: str, **_: Any
) -> Any:
    """Receiver of `orders.services.unpaid_order_closing` (under the order's lock; nothing locked here).

    One rule for every path that closes a period's order (the buyer's cancel, the expiry beat, …): while
    its subscription is live, an unpaid period's order is closed only by billing (label "subscription":
    cancel, last retry, key gone) or by its buyer. The expiry refuses it (left open: its charge is
    `unknown` and with staff, within the retry schedule, or being sent or reserved), so staff's "charge
    again" or "book the receipt" never meets a closed order. Closed by its buyer: after commit the
    period is given up, the subscription cancelled (reason `order_closed`) and its reservation revoked
    at Bootpay (`subscription_period_order_closed`).
    """
    if label == "subscription":
        return None
    charge = (
        SubscriptionCharge.objects.select_related("subscription")
        .filter(order_id=order.pk, state__in=UNPAID_STATES)
        .first()
    )
    if charge is None or charge.subscription.status not in Subscription.LIVE_STATUSES:
        return None
    if label == "expiry":
        raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"reason": "subscription_period_open"})
    charge_pk = charge.pk
    return lambda: subscription_period_order_closed(charge_pk=charge_pk)


def subscription_period_order_closed(*, charge_pk: int, gateway: Gateway | None = None) -> SubscriptionCharge:
    """A period's order was closed unpaid by someone other than billing (its buyer): the period is given
    up, the subscription cancelled (`order_closed`) and its pending reservation revoked at Bootpay;
    Bootpay not answering leaves it for `subscriptions_settle_reservations` (a cancelled subscription's
    reservation is revoked there; one that ran meets a closed order and is refunded). Idempotent."""
    gateway = gateway_or_default(gateway)
    actor = Actor(label="order")
    charge = _charge_order_closed(charge_pk, actor=actor)
    subscription = Subscription.objects.get(pk=charge.subscription_id)
    if subscription.status == SubStatus.CANCELLED and subscription.reserve_id:
        try:
            _reservation_revoke(subscription.pk, actor=actor, gateway=gateway)
        except DomainError:
            logger.warning(
                "subscription %s: a reservation is left for the sweep", subscription.subscription_id
            )
    charge.refresh_from_db()
    return charge
