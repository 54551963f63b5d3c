"""A paid period: one rule for advancing. A period is paid when its order is paid, whoever booked it
(the charge, the webhook of a charge or a reservation, the reservation lookup, staff). The core's
`order_mark_paid` announces it (`order_paid`, under the order's lock); `on_order_paid` defers the advance
until that commit, and the charge service, finding the order paid, advances too: both call
`_period_settle`, which does it once. In mode `reserve` the next period is then reserved at Bootpay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from config.errors import DomainError
from orders.models import Order
from orders.services import order_lock
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services.common import (
    OPEN_STATES,
    Kind,
    State,
    SubStatus,
    _charge_lock,
    _event,
    add_interval,
)
from payments.billing.services.outcomes import _answers_latest_attempt
from payments.billing.states import ChargeEvent, charge_transition
from payments.gateway import Gateway
from payments.selectors import order_live_payment
from payments.services.common import (
    Actor,
    gateway_or_default,
    logger,
)


def _period_start(subscription: Subscription, paid_at: datetime) -> datetime:
    """A period begins where the previous one ended when it was paid on time; one paid after declines
    (or so late that it would already be over) begins when it was paid."""
    previous_end = subscription.current_period_end
    if (
        previous_end is not None
        and subscription.retry_count == 0
        and add_interval(previous_end, subscription.interval) > paid_at
    ):
        return previous_end
    return paid_at


def _period_settle(
    charge_pk: int, *, actor: Actor, consumed_reserve_id: str = ""
) -> tuple[SubscriptionCharge, bool, str]:
    """Mark a period paid once its order is, and advance the subscription. Idempotent.

    `consumed_reserve_id`: the reservation known to have run for it (forgotten). Any other reservation
    the subscription holds is kept: it was made for this period, which may have been paid another way
    (the buyer's checkout, staff), so it may still be pending at Bootpay; the caller revokes it after
    commit (`_reservation_revoke`) before it is forgotten. Returns the charge, whether the next period is
    to be reserved now, and that reservation to revoke ("" when none).
    """
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk, consumed_reserve_id=consumed_reserve_id)
        order = order_lock(order_pk=charge.order_id)
        if charge.state == State.PAID or order.paid_at is None:
            return charge, False, ""
        payment = order_live_payment(order=order)
        # Paid another way (the buyer's checkout, an earlier attempt's receipt) while the latest attempt's
        # outcome is open: the period advances, the charge stays open until its own receipt or staff.
        keeps_open = (
            charge.state in OPEN_STATES
            and not (payment and _answers_latest_attempt(charge, payment))
            and not _own_receipt_refunded(subscription, charge)
        )
        if keeps_open and charge.period <= subscription.current_period:
            return charge, False, ""  # advanced already
        if not keeps_open:
            charge_transition(charge, ChargeEvent.PAID)
            charge.sending_until = None
            charge.receipt_id = payment.receipt_id if payment else charge.receipt_id
            charge.save()
        stale_reserve_id = ""
        advances = charge.period > subscription.current_period
        if advances:
            stale_reserve_id = subscription.reserve_id  # made for this period (or consumed by it)
            start = _period_start(subscription, order.paid_at)
            subscription.current_period = charge.period
            subscription.current_period_start = start
            subscription.current_period_end = add_interval(start, subscription.interval)
            subscription.retry_count = 0
            if subscription.status != SubStatus.CANCELLED:
                subscription.status = SubStatus.ACTIVE
                subscription.next_charge_at = subscription.current_period_end
            subscription.save()
        if advances:  # once per period (a charge left open and settled later adds no second one)
            _event(
                subscription,
                Kind.CHARGED,
                actor,
                period=charge.period,
                order_id=order.order_id,
                receipt_id=payment.receipt_id if payment else charge.receipt_id,
                amount=order.total_amount,
                period_end=subscription.current_period_end.isoformat()
                if subscription.current_period_end
                else None,
                charge_outcome_open=keeps_open,
            )
        reserve = subscription.mode == Subscription.Mode.RESERVE and subscription.status == SubStatus.ACTIVE
    return charge, reserve, stale_reserve_id


def _own_receipt_refunded(subscription: Subscription, charge: SubscriptionCharge) -> bool:
    """The latest attempt's own receipt came back refused and refunded: its outcome is known."""
    return subscription.events.filter(
        kind=Kind.CHARGE_REFUNDED,
        data__period=charge.period,
        data__attempt=charge.attempts,
        data__settles_the_charge=True,
    ).exists()


def _period_settle_and_reserve(
    charge_pk: int,
    *,
    actor: Actor,
    gateway: Gateway,
    reserve: bool = True,
    consumed_reserve_id: str = "",
) -> SubscriptionCharge:
    # Reserving books through the charge's answer, which settles a period: imported here, not above.
    from payments.billing.services.reservations import _reservation_revoke, _reserve_next

    charge, reserve_next, stale_reserve_id = _period_settle(
        charge_pk, actor=actor, consumed_reserve_id=consumed_reserve_id
    )
    if stale_reserve_id:
        # The period's reservation, paid otherwise or run: revoked (or its run booked) before it is
        # forgotten. Bootpay not answering keeps it for subscriptions_settle_reservations to retry.
        try:
            _reservation_revoke(
                charge.subscription_id, actor=actor, gateway=gateway, reserve_id=stale_reserve_id
            )
        except DomainError:
            logger.warning("reservation %s of a paid period left for the sweep", stale_reserve_id)
    if reserve and reserve_next:
        _reserve_next(charge.subscription_id, actor=actor, gateway=gateway)
    charge.refresh_from_db()
    return charge


def on_order_paid(sender: object = None, *, order: Order, **_: Any) -> None:
    """Receiver of `payments.services.common.order_paid` (under the order's lock): once that booking
    commits, a subscription's period advances, in its own transaction and in the lock order. Nothing is
    read here: the order's lock is held no longer for orders that are not a subscription's."""
    order_pk = order.pk
    transaction.on_commit(lambda: _after_order_paid(order_pk), robust=True)


def _after_order_paid(order_pk: int) -> None:
    charge_pk = SubscriptionCharge.objects.filter(order_id=order_pk).values_list("pk", flat=True).first()
    if charge_pk is not None:
        subscription_order_paid(charge_pk=charge_pk)


def subscription_order_paid(*, charge_pk: int, gateway: Gateway | None = None) -> SubscriptionCharge:
    """A period's order was paid (by whatever path): mark it, advance, reserve the next if reserving."""
    return _period_settle_and_reserve(
        charge_pk, actor=Actor(label="payment"), gateway=gateway_or_default(gateway)
    )
