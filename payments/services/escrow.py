"""Escrow (에스크로, 구매안전): an escrow payment's shipment registered with Bootpay, once per payment.

Orders marks a line shipped (`orders.services.order_item_mark_shipped`) and, under the order's lock,
asks through `order_item_shipping`; `payment_escrow_for_shipping` answers for the order's payment:
- not an escrow payment: nothing to do (courier and tracking number stay optional);
- an escrow payment: courier and tracking number are required (validation_error), and its first shipped
  line creates the `EscrowRegistration` (requested, claimed by the caller) under that lock; after commit
  it is sent (`escrow_registration_execute`). Later shipped lines of the payment are only local.
The send follows a cancellation's life: a definite refusal → failed (error_code); no usable answer
(timeout, 5xx, connection lost) → stays requested, released, and `payment_reconcile` sends it again.
A refusal when the receipt shows the shipment started (our earlier attempt reached Bootpay although its
answer was lost) counts as success.

Lock order as everywhere: order, payment, registration. Bootpay is called with no transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem
from orders.services import order_lock
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, Receipt
from payments.models import EscrowRegistration, Payment
from payments.services.common import (
    Actor,
    Kind,
    attempt_lease,
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


def payment_escrow_for_shipping(
    sender: Any,
    *,
    order: Order,
    item: OrderItem,
    courier: str,
    tracking_number: str,
    actor: Any = None,
    **kwargs: Any,
) -> Callable[[], Any] | None:
    """The answer to `order_item_shipping` (connected in `PaymentsConfig.ready`); the order is locked.

    Raises validation_error when the order's payment is an escrow one and courier or tracking number
    is missing. Returns the after-commit send of the registration this shipment creates, if any.
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .filter(order=order, status__in=Payment.LIVE_STATUSES)
        .first()
    )
    if payment is None or not payment.escrow:
        return None
    missing = [
        name for name, value in (("courier", courier), ("tracking_number", tracking_number)) if not value
    ]
    if missing:
        problem = "required for an escrow payment"
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, details={"fields": {name: [problem] for name in missing}}
        )
    if EscrowRegistration.objects.filter(payment=payment).exists():
        return None  # registered by an earlier line: this shipment is ours alone
    registration = EscrowRegistration.objects.create(
        payment=payment,
        item=item,
        courier=courier,
        tracking_number=tracking_number,
        attempt_started_at=timezone.now(),  # claimed by the caller, who sends it after commit
    )
    label = "user" if actor is not None else "system"
    event_append(
        payment,
        kind=Kind.ESCROW_REQUESTED,
        actor=Actor.of(actor, label),
        data={"item": item.pk, "courier": courier, "tracking_number": tracking_number},
    )
    return lambda: escrow_registration_send(registration_pk=registration.pk, label=label, claimed=True)


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
        .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=now - attempt_lease()))
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
