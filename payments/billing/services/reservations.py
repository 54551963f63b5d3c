"""Reserved mode: Bootpay charges the next period by itself at its date. Reserving (once per period),
recording, revoking, forgetting, and settling what Bootpay did with a reservation past its time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from config.errors import DomainError
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge
from payments.billing.services.charge import _charge_book
from payments.billing.services.common import (
    RESERVATION_ACTOR,
    RESERVATION_FAILED,
    UNPAID_STATES,
    KeyStatus,
    Kind,
    State,
    SubStatus,
    _charge_create,
    _charge_mark_sending,
    _event,
    _reserved_charge,
    _Secret,
    _subscription_lock,
)
from payments.billing.services.keys import _key_destroy_if_unused
from payments.billing.services.notices import _price_change_outcome
from payments.billing.services.outcomes import _charge_declined, _charge_unknown
from payments.billing.states import ChargeEvent, charge_transition
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
    ReservationStatus,
)
from payments.services.common import (
    Actor,
    gateway_failure,
    gateway_or_default,
    logger,
)

if TYPE_CHECKING:
    from payments.gateway import Reservation


def _reserve_next(subscription_pk: int, *, actor: Actor, gateway: Gateway) -> None:
    """Ask Bootpay to charge the next period by itself at its date (mode `reserve`), once.

    Tried once per period, right after the previous one was paid: refused → the period is charged
    directly when due; no answer → the charge is `unknown` (a reservation may exist) and is never
    sent again by itself, like an unknown charge. A period beginning at or after an open price change's
    `effective_at` is reserved only once the buyer's answer is known (`_price_change_outcome`): until
    then nothing is reserved (`subscriptions_apply_price_changes` reserves it once the answer is known;
    else it is charged directly when due, which settles the change first).
    """
    now = timezone.now()
    ended, plain = False, None
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk)
        if (
            subscription is None
            or subscription.status != SubStatus.ACTIVE
            or subscription.mode != Subscription.Mode.RESERVE
            or subscription.reserve_id
            or subscription.next_charge_at is None
        ):
            return
        period = subscription.current_period + 1
        charge = SubscriptionCharge.objects.filter(subscription=subscription, period=period).first()
        if charge is None:
            unknown, ended = _price_change_outcome(subscription, actor=actor, now=now)
            if not (unknown or ended):
                charge = _charge_create(subscription, period=period, due=subscription.next_charge_at)
        key = BillingKey.objects.get(pk=subscription.billing_key_id)
        # Only a fresh period with a live key; else (sent or reserved before, a key gone, nothing to
        # reserve yet) the direct charge when due decides.
        fresh = charge is not None and charge.state == State.PENDING and charge.attempts == 0
        if fresh and key.status == KeyStatus.ACTIVE:
            plain = _Secret(key.key)
            order = charge.order
            execute_at = subscription.next_charge_at
            _charge_mark_sending(charge, now=now)
    if ended:  # cancelled for want of consent: nothing reserved, the key destroyed when unused
        _key_destroy_if_unused(
            key_pk=subscription.billing_key_id, subscription=subscription, actor=actor, gateway=gateway
        )
    if plain is None:
        return
    try:
        reservation = gateway.reserve_charge(
            billing_key=plain.value,
            order_id=order.order_id,
            order_name=order.order_name,
            price=order.total_amount,
            tax_free=order.tax_free_amount,
            execute_at=execute_at,
        )
    except GatewayUnavailable as exc:
        _charge_unknown(charge.pk, actor=actor, reason=exc.reason, stage="reserve")
        return
    except GatewayError as exc:
        with transaction.atomic():
            subscription = _subscription_lock(subscription_pk)
            charge = SubscriptionCharge.objects.get(pk=charge.pk)
            if charge.state == State.SENDING:
                charge_transition(charge, ChargeEvent.RESERVE_REFUSED)
                charge.sending_until, charge.last_error_code = None, exc.code[:60]
                charge.save(update_fields=["state", "sending_until", "last_error_code", "updated_at"])
            _event(subscription, Kind.RESERVE_REFUSED, actor, period=period, pg_code=exc.code)
        return
    finally:
        plain = None
    _reservation_record(subscription_pk, charge.pk, reservation, actor=actor, gateway=gateway)


def _reservation_record(
    subscription_pk: int, charge_pk: int, reservation: Reservation, *, actor: Actor, gateway: Gateway
) -> None:
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk)
        charge = SubscriptionCharge.objects.get(pk=charge_pk)
        if charge.state in (State.SENDING, State.UNKNOWN):  # an answer after all: it is reserved
            charge_transition(charge, ChargeEvent.RESERVED)
            charge.sending_until = None
            charge.save(update_fields=["state", "sending_until", "updated_at"])
        subscription.reserve_id = reservation.reserve_id
        subscription.save(update_fields=["reserve_id", "updated_at"])
        _event(
            subscription,
            Kind.RESERVED,
            actor,
            period=charge.period,
            reserve_id=reservation.reserve_id,
            execute_at=reservation.execute_at.isoformat() if reservation.execute_at else None,
        )
        cancelled_meanwhile = subscription.status == SubStatus.CANCELLED
    if cancelled_meanwhile:  # cancelled while we were reserving: take it back
        try:
            _reservation_revoke(subscription_pk, actor=actor, gateway=gateway)
        except DomainError:
            logger.warning(
                "reservation %s of a cancelled subscription left for the sweep", reservation.reserve_id
            )


def _reservation_revoke(
    subscription_pk: int, *, actor: Actor, gateway: Gateway, reserve_id: str = ""
) -> None:
    """Cancel the subscription's pending reservation (or `reserve_id`, when it is still the one held)
    at Bootpay, then forget it.

    Already executed (the charge happened): that receipt is booked on the reservation's own order first
    (a period paid otherwise meanwhile: the money core refunds it). Raises gateway_unavailable /
    gateway_error when Bootpay could not tell; nothing is changed then (it is kept for the sweep).
    """
    subscription = Subscription.objects.get(pk=subscription_pk)
    if not subscription.reserve_id or (reserve_id and subscription.reserve_id != reserve_id):
        return
    reserve_id = subscription.reserve_id
    outcome = "cancelled"
    try:
        gateway.reservation_cancel(reserve_id)
    except GatewayUnavailable as exc:
        raise gateway_failure(exc) from exc
    except GatewayError as refusal:  # executed, failed or revoked already: which?
        try:
            reservation = gateway.reservation_lookup(reserve_id)
        except (GatewayError, GatewayUnavailable) as exc:
            raise gateway_failure(exc) from exc
        outcome = {
            ReservationStatus.EXECUTED: "executed",
            ReservationStatus.FAILED: "failed",
            ReservationStatus.CANCELLED: "cancelled",
        }.get(reservation.status, "")
        if not outcome:
            raise gateway_failure(refusal) from refusal
        if outcome == "executed" and reservation.receipt_id:
            _reservation_book(subscription, reservation, actor=actor, gateway=gateway, reserve_next=False)
    _reservation_forget(subscription_pk, reserve_id, actor=actor, outcome=outcome)


def _reservation_forget(
    subscription_pk: int, reserve_id: str, *, actor: Actor, outcome: str, quiet: bool = False
) -> None:
    """Its outcome known (revoked, run or failed at Bootpay): the reservation is no longer held.
    `quiet`: the event only when it was still held (forgotten by this call)."""
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk)
        held = subscription.reserve_id == reserve_id
        if held:
            subscription.reserve_id = ""
            subscription.save(update_fields=["reserve_id", "updated_at"])
        if held or not quiet:
            _event(subscription, Kind.RESERVATION_CANCELLED, actor, reserve_id=reserve_id, outcome=outcome)


def _reservation_charge(subscription: Subscription, reservation: Reservation) -> SubscriptionCharge | None:
    """The charge a reservation was made for: by its order id (a period paid otherwise since may have
    moved the subscription on), else the period due."""
    if reservation.order_id:
        return SubscriptionCharge.objects.filter(
            subscription=subscription, order__order_id=reservation.order_id
        ).first()
    return _reserved_charge(subscription)


def _reservation_book(
    subscription: Subscription,
    reservation: Reservation,
    *,
    actor: Actor,
    gateway: Gateway,
    reserve_next: bool = True,
) -> SubscriptionCharge | None:
    """Book an executed reservation's receipt on its period's order; the reservation is consumed."""
    charge = _reservation_charge(subscription, reservation)
    if charge is None:
        return None
    try:
        receipt = gateway.lookup_receipt(reservation.receipt_id)
    except (GatewayError, GatewayUnavailable) as exc:
        raise gateway_failure(exc) from exc
    return _charge_book(
        charge.pk,
        receipt,
        actor=actor,
        gateway=gateway,
        reserve=reserve_next,
        reserve_id=reservation.reserve_id,
    )


def subscription_reservation_settle(*, subscription_pk: int, gateway: Gateway | None = None) -> str:
    """What Bootpay did with a subscription's reservation past its execution time, applied once:
    executed → its receipt booked (as its webhook would; both may race: booked once); failed → the
    decline path (retried directly); revoked at Bootpay → charged directly when due; still pending →
    left. A cancelled subscription's leftover reservation, or one for a period paid otherwise, is
    cancelled. Whatever the lookup found (but pending), the reservation is forgotten. Returns what was
    found."""
    gateway = gateway_or_default(gateway)
    subscription = Subscription.objects.get(pk=subscription_pk)
    reserve_id = subscription.reserve_id
    if not reserve_id:
        return "none"
    if subscription.status == SubStatus.CANCELLED:
        _reservation_revoke(subscription_pk, actor=RESERVATION_ACTOR, gateway=gateway, reserve_id=reserve_id)
        return "revoked"
    try:
        reservation = gateway.reservation_lookup(reserve_id)
    except (GatewayError, GatewayUnavailable) as exc:
        logger.warning("reservation %s lookup failed: %s", reserve_id, type(exc).__name__)
        return "unavailable"
    charge = _reservation_charge(subscription, reservation)
    if reservation.status == ReservationStatus.EXECUTED and reservation.receipt_id:
        _reservation_book(subscription, reservation, actor=RESERVATION_ACTOR, gateway=gateway)
        _reservation_forget(
            subscription_pk, reserve_id, actor=RESERVATION_ACTOR, outcome="executed", quiet=True
        )
        return "executed"
    if reservation.status == ReservationStatus.RESERVED:
        if charge is not None and charge.state not in UNPAID_STATES:  # its period paid (or given up)
            _reservation_revoke(
                subscription_pk, actor=RESERVATION_ACTOR, gateway=gateway, reserve_id=reserve_id
            )
            return "revoked"
        return "pending"
    if reservation.status == ReservationStatus.FAILED and charge is not None:
        _charge_declined(
            charge.pk,
            actor=RESERVATION_ACTOR,
            code=RESERVATION_FAILED,
            message="Bootpay could not run the reservation",
            gateway=gateway,
            reserve_id=reserve_id,
        )
        return "failed"
    if reservation.status not in (ReservationStatus.CANCELLED, ReservationStatus.FAILED):
        return "pending"  # a status we do not know: looked up again next run
    outcome = "revoked_at_bootpay" if reservation.status == ReservationStatus.CANCELLED else "failed"
    _reservation_forget(subscription_pk, reserve_id, actor=RESERVATION_ACTOR, outcome=outcome, quiet=True)
    return "revoked" if reservation.status == ReservationStatus.CANCELLED else "failed"
