"""Escrow (에스크로, 구매안전): an escrow payment's shipment registered with Bootpay, once per payment.

Orders marks a line shipped (`orders.services.order_item_mark_shipped`) and, under the order's lock,
asks through `order_item_shipping`; `payment_escrow_for_shipping` answers for the order's live payment,
whatever kind it is, under the payment's lock:
- a cancellation still in flight covering the line (naming it, or naming no lines: the whole payment or
  an amount) refuses the shipment (cancel_in_progress), before anything is recorded or sent;
- not an escrow payment: nothing more to do (courier and tracking number stay optional);
- an escrow payment: courier and tracking number are required (validation_error), and its first shipped
  line creates the `EscrowRegistration` (requested, claimed by the caller) under that lock; after commit
  it is sent (`escrow_registration_execute`). Later shipped lines of the payment are only local.
The send follows a cancellation's life: a definite refusal → failed (error_code); no usable answer
(timeout, 5xx, connection lost) → stays requested, released, and `payment_reconcile` sends it again.
A refusal when the receipt shows the shipment started (our earlier attempt reached Bootpay although its
answer was lost) counts as success; any other answer counts as registered.
A failed registration is sent again by `escrow_registration_retry` (staff, or the line's seller; the
admin's action, or re-marking the registered line shipped with other values), perhaps with corrected
values; succeeded and requested ones never change but by settling.

Lock order as everywhere: order, payment, registration. Bootpay is called with no transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem
from orders.services import order_lock, shipping_values
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, Receipt
from payments.models import Cancellation, EscrowRegistration, Payment
from payments.services.common import (
    Actor,
    Kind,
    event_append,
    gateway_or_default,
    logger,
    lookup_or_none,
    payment_lock,
)

# Bootpay's answer to a second registration of one receipt is unconfirmed; the emulator's code. With it,
# a receipt that cannot be read leaves the outcome unknown (it may be our own earlier attempt).
ALREADY_STARTED_CODES = frozenset({"RC_ESCROW_ALREADY_STARTED"})
NOT_ESCROW = "RC_NOT_ESCROW"


def escrow_attempt_lease() -> timedelta:
    """How long a claim to send a registration holds before someone else may take it: the send's worst
    case, each call bounded by the gateway timeout: a token fetch, `shipping_start`, a token refetch and
    its retry (a token Bootpay dropped early), then the receipt lookup after a refusal, likewise up to
    four calls; plus slack. Should a lease still run out (a stalled process), a second send is harmless:
    Bootpay refuses a second registration and the receipt then shows `shipping_started_at`, which
    settles as registered; a registration settles once."""
    return timedelta(seconds=8 * settings.BOOTPAY_TIMEOUT_S + 5)


def shipping_refusal_for_cancel(payment: Payment, item: OrderItem) -> None:
    """cancel_in_progress when a cancellation of `payment` still in flight covers `item`: it names the
    line, or names no lines (the whole payment, or an amount). The caller holds the order and payment
    locks, so no cancellation opens meanwhile. One rule for every door that ships or registers a line."""
    in_flight = Cancellation.objects.filter(payment=payment, state=Cancellation.State.REQUESTED)
    covering = in_flight.filter(Q(items=item) | Q(items__isnull=True)).values_list("cancel_id", flat=True)
    if cancel_ids := sorted(set(covering)):
        raise DomainError(
            ErrorCode.CANCEL_IN_PROGRESS, details={"items": [item.pk], "cancel_ids": cancel_ids}
        )


def payment_escrow_for_shipping(
    sender: Any,
    *,
    order: Order,
    item: OrderItem,
    courier: str,
    tracking_number: str,
    actor: Any = None,
    again: bool = False,
    **kwargs: Any,
) -> Callable[[], Any] | None:
    """The answer to `order_item_shipping` (connected in `PaymentsConfig.ready`) for the order's live
    payment, escrow or not; the order is locked, the payment is locked here.

    Raises cancel_in_progress when a cancellation in flight covers the line (any payment), and
    validation_error when the payment is an escrow one and courier or tracking number is missing.
    Returns the after-commit send of the registration this shipment creates (or, `again`: sends again,
    the line's failed registration), if any.
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .filter(order=order, status__in=Payment.LIVE_STATUSES)
        .first()
    )
    if payment is None:
        return None
    shipping_refusal_for_cancel(payment, item)
    if not payment.escrow:
        return None
    missing = [
        name for name, value in (("courier", courier), ("tracking_number", tracking_number)) if not value
    ]
    if missing:
        problem = "required for an escrow payment"
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, details={"fields": {name: [problem] for name in missing}}
        )
    label = "user" if actor is not None else "system"
    existing = EscrowRegistration.objects.select_for_update(of=("self",)).filter(payment=payment).first()
    if again:
        # Marked again with other values: only the line whose registration Bootpay refused takes them.
        if (
            existing is None
            or existing.item_id != item.pk
            or existing.state != EscrowRegistration.State.FAILED
        ):
            return None
        return _escrow_registration_reopen(
            existing, payment=payment, actor=actor, courier=courier, tracking_number=tracking_number
        )
    if existing is not None:
        return None  # registered by an earlier line: this shipment is ours alone
    registration = EscrowRegistration.objects.create(
        payment=payment,
        item=item,
        courier=courier,
        tracking_number=tracking_number,
        attempt_started_at=timezone.now(),  # claimed by the caller, who sends it after commit
    )
    event_append(
        payment,
        kind=Kind.ESCROW_REQUESTED,
        actor=Actor.of(actor, label),
        data={"item": item.pk, "courier": courier, "tracking_number": tracking_number},
    )
    return lambda: escrow_registration_send(registration_pk=registration.pk, label=label, claimed=True)


def _escrow_registration_reopen(
    registration: EscrowRegistration,
    *,
    payment: Payment,
    actor: Any,
    courier: str,
    tracking_number: str,
) -> Callable[[], Any]:
    """A failed registration back to requested (claimed by the caller) with these values; the caller
    holds the order, payment and registration locks and sends it after commit with the returned step."""
    previous = registration.error_code
    registration.state = EscrowRegistration.State.REQUESTED
    registration.courier, registration.tracking_number = courier, tracking_number
    registration.error_code, registration.pg_response, registration.completed_at = "", {}, None
    registration.attempt_started_at = timezone.now()
    registration.save(
        update_fields=[
            "state",
            "courier",
            "tracking_number",
            "error_code",
            "pg_response",
            "completed_at",
            "attempt_started_at",
        ]
    )
    label = "user" if actor is not None else "system"
    event_append(
        payment,
        kind=Kind.ESCROW_REQUESTED,
        actor=Actor.of(actor, label),
        data={
            "item": registration.item_id,
            "courier": courier,
            "tracking_number": tracking_number,
            "retry_of": previous,
        },
    )
    pk = registration.pk
    return lambda: escrow_registration_send(registration_pk=pk, label=label, claimed=True)


def escrow_registration_retry(
    *,
    registration_pk: int,
    actor: AbstractBaseUser,
    courier: str | None = None,
    tracking_number: str | None = None,
) -> EscrowRegistration:
    """Send a registration Bootpay refused (`failed`) again, perhaps with corrected values (both or
    neither; neither keeps the registered ones, which the registered line then also carries).

    Staff, or the seller of the registered line. Under the order, payment and registration locks: the
    registration back to `requested` (claimed), an `escrow_requested` event; after commit it is sent
    like the first time and its outcome settled (the registration returned is as it then is).
    Raises not_found (no such registration), permission_denied, validation_error (the values, or a
    registration not failed: succeeded and requested ones are never changed), cancel_in_progress (a
    cancellation in flight covers the line).
    """
    courier, tracking_number = shipping_values(courier, tracking_number)
    with transaction.atomic():
        registration = EscrowRegistration.objects.select_related("payment").filter(pk=registration_pk).first()
        if registration is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such escrow registration.")
        order_lock(order_pk=registration.payment.order_id)
        payment = payment_lock(payment_pk=registration.payment_id)
        registration = (
            EscrowRegistration.objects.select_for_update(of=("self",))
            .select_related("item__seller")
            .get(pk=registration_pk)
        )
        item = registration.item
        if not (actor.is_staff or item.seller.user_id == actor.pk):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED, "Only staff or the line's seller send a registration again."
            )
        if registration.state != EscrowRegistration.State.FAILED:
            raise DomainError.invalid(
                "registration", f"only a failed registration is sent again (this one is {registration.state})"
            )
        shipping_refusal_for_cancel(payment, item)
        if not courier:
            courier, tracking_number = registration.courier, registration.tracking_number
        send = _escrow_registration_reopen(
            registration, payment=payment, actor=actor, courier=courier, tracking_number=tracking_number
        )
        if (item.courier, item.tracking_number) != (courier, tracking_number):
            item.courier, item.tracking_number = courier, tracking_number
            item.save(update_fields=["courier", "tracking_number"])
        transaction.on_commit(send)
    registration.refresh_from_db()
    return registration


def escrow_registration_send(
    *, registration_pk: int, label: str = "system", claimed: bool = False, gateway: Gateway | None = None
) -> EscrowRegistration:
    """Send a committed registration to Bootpay and settle it (claiming it first unless `claimed`);
    an unknown outcome stays requested for reconcile. Never raises for Bootpay's answer."""
    registration = EscrowRegistration.objects.get(pk=registration_pk)
    if not claimed and not escrow_registration_claim(registration):
        return registration
    return escrow_registration_execute(
        registration, actor=Actor(label=label), gateway=gateway_or_default(gateway)
    )


def escrow_registration_claim(registration: EscrowRegistration) -> bool:
    """Take the right to talk to Bootpay about a requested registration; False while someone holds it."""
    now = timezone.now()
    claimed = (
        EscrowRegistration.objects.filter(pk=registration.pk, state=EscrowRegistration.State.REQUESTED)
        .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=now - escrow_attempt_lease()))
        .update(attempt_started_at=now)
    )
    if claimed:
        registration.attempt_started_at = now
    return bool(claimed)


def _escrow_registration_release(registration: EscrowRegistration) -> None:
    """Give a claim back (outcome unknown), unless its lease ran out and someone else took it."""
    EscrowRegistration.objects.filter(
        pk=registration.pk, attempt_started_at=registration.attempt_started_at
    ).update(attempt_started_at=None)
    registration.attempt_started_at = None


def escrow_registration_execute(
    registration: EscrowRegistration, *, actor: Actor, gateway: Gateway
) -> EscrowRegistration:
    """Send a claimed registration to Bootpay (first time or again) and settle what it answered."""
    registration = EscrowRegistration.objects.select_related("payment__order__buyer", "item__seller").get(
        pk=registration.pk
    )
    payment = registration.payment
    try:
        receipt = gateway.shipping_start(
            receipt_id=payment.receipt_id,
            courier=registration.courier,
            tracking_number=registration.tracking_number,
            buyer_name=payment.order.buyer.get_username(),
            seller_name=registration.item.seller.name,
        )
        outcome: Receipt | GatewayError | None = receipt
    except GatewayUnavailable as exc:
        return _escrow_unknown(registration, exc)
    except GatewayError as exc:
        outcome = exc
        # Registered already (our earlier attempt whose answer was lost)? Its receipt says.
        receipt = lookup_or_none(payment.receipt_id, gateway=gateway)
        if receipt is None and exc.code in ALREADY_STARTED_CODES:
            return _escrow_unknown(
                registration, GatewayUnavailable(f"receipt lookup failed after {exc.code}")
            )
    return _escrow_registration_settle(registration.pk, outcome=outcome, receipt=receipt, actor=actor)


def _escrow_unknown(registration: EscrowRegistration, exc: GatewayUnavailable) -> EscrowRegistration:
    logger.warning("escrow registration %s outcome unknown: %s", registration.pk, exc)
    _escrow_registration_release(registration)
    return registration


def _escrow_registration_settle(
    registration_pk: int, *, outcome: Receipt | GatewayError | None, receipt: Receipt | None, actor: Actor
) -> EscrowRegistration:
    """Record Bootpay's answer. Settles once; a registration no longer requested is left as it is."""
    with transaction.atomic():
        registration = EscrowRegistration.objects.select_related("payment").get(pk=registration_pk)
        order_lock(order_pk=registration.payment.order_id)
        payment = payment_lock(payment_pk=registration.payment_id)
        registration = EscrowRegistration.objects.select_for_update(of=("self",)).get(pk=registration_pk)
        if registration.state != EscrowRegistration.State.REQUESTED:
            return registration
        registration.attempt_started_at = None
        registration.completed_at = timezone.now()
        started = receipt is not None and receipt.escrow_shipping_started_at is not None
        if isinstance(outcome, GatewayError) and not started:
            registration.state = EscrowRegistration.State.FAILED
            registration.error_code = outcome.code[:60]
            registration.pg_response = outcome.payload
            event_append(
                payment,
                kind=Kind.ESCROW_FAILED,
                actor=actor,
                data={"pg_code": outcome.code, "pg_message": outcome.message},
            )
        else:
            registration.state = EscrowRegistration.State.SUCCEEDED
            registration.pg_response = receipt.raw if receipt is not None else {}
            event_append(
                payment,
                kind=Kind.ESCROW_REGISTERED,
                actor=actor,
                receipt=receipt,
                data={
                    "courier": registration.courier,
                    "tracking_number": registration.tracking_number,
                    **({"pg_code": outcome.code} if isinstance(outcome, GatewayError) else {}),
                },
            )
        registration.save(
            update_fields=["state", "error_code", "pg_response", "completed_at", "attempt_started_at"]
        )
    return registration


def escrow_registrations_retry(*, cutoff: Any, actor: Actor, gateway: Gateway) -> dict[str, int]:
    """Send again every registration left requested since before `cutoff` (reconcile's part)."""
    counts = {"escrow_checked": 0, "unreachable": 0, "in_progress": 0}
    stale = EscrowRegistration.objects.filter(
        state=EscrowRegistration.State.REQUESTED, created_at__lte=cutoff
    ).order_by("created_at", "pk")
    for registration in stale:
        if not escrow_registration_claim(registration):
            counts["in_progress"] += 1
            continue
        counts["escrow_checked"] += 1
        settled = escrow_registration_execute(registration, actor=actor, gateway=gateway)
        if settled.state == EscrowRegistration.State.REQUESTED:
            counts["unreachable"] += 1
    return counts
