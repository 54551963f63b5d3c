"""Automatic payments: billing keys, subscriptions and each period's charge (docs/billing.md).

The money core's conventions hold here too:
- Lock order: billing key → subscription → order → payment (the core's order → payment below it).
  A period's charge row changes only under its subscription's lock.
- No network call inside a transaction: the intent is committed first (the charge in `sending` with a
  lease, `attempt_lease()`), then Bootpay is called, then the rows are locked again and the answer
  applied. A sender that dies mid-call leaves a lease that runs out: that charge's outcome is unknown.
- Every change of a subscription appends a `SubscriptionEvent`.
- A period is an ordinary order (`orders.services.order_create_for_subscription`), booked through
  `payment_bind_receipt`, so its payment, events, webhooks, admin and refunds are the normal ones.

One rule for advancing: a period is paid when its order is paid, whoever booked it (the charge
below, the webhook of a charge or a reservation, the reservation lookup, staff). `order_mark_paid`
announces it (`order_paid`, under the order's lock); `on_order_paid` defers the advance until that
commit, and the charge service, finding the order paid, advances too: both call `_period_settle`,
which does it once.

An unknown outcome is never re-sent automatically: Bootpay's Python SDK cannot look a charge up by
our order_id, so a charge that timed out may have been applied. Its webhook books it; after
`BILLING_UNKNOWN_GRACE` without one the subscription turns past_due for staff
(`subscription_charge_retry` after checking Bootpay's console, or `subscription_charge_book_receipt`).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.db import savepoint_if_in_transaction
from config.errors import DomainError, ErrorCode
from orders.models import Order, Product, SubscriptionInterval
from orders.services import order_close_unpaid, order_create_for_subscription, order_lock
from payments.billing_crypto import billing_key_encrypt, billing_key_fingerprint
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Receipt,
    ReceiptStatus,
    ReservationStatus,
)
from payments.models import (
    BillingKey,
    BillingKeyRequest,
    Payment,
    Subscription,
    SubscriptionCharge,
    SubscriptionEvent,
)
from payments.selectors import order_live_payment
from payments.services.common import (
    Actor,
    attempt_lease,
    check_receipt_id,
    gateway_failure,
    gateway_or_default,
    logger,
)
from payments.services.reconcile import StatementDifference
from payments.services.verify import payment_bind_receipt

if TYPE_CHECKING:
    from payments.gateway import Reservation

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

# The reservation lookup leaves Bootpay (and its webhook) this long after the execution time first.
RESERVATION_SETTLE_AFTER = timedelta(minutes=5)


# --- Small helpers ---------------------------------------------------------------------------------


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


def _gateway_outcome(exc: GatewayError | GatewayUnavailable) -> dict[str, Any]:
    if isinstance(exc, GatewayUnavailable):
        return {"reason": exc.reason}
    return {"pg_code": exc.code, "pg_message": exc.message}


# --- Billing keys ----------------------------------------------------------------------------------


def billing_key_request_start(*, buyer: AbstractBaseUser) -> BillingKeyRequest:
    """A new `subscription_id` for the buyer's `requestSubscription` (order name: `request.order_name`)."""
    if not buyer.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    return BillingKeyRequest.objects.create(buyer=buyer)


def billing_key_register(
    *, buyer: AbstractBaseUser | AnonymousUser, receipt_id: str, gateway: Gateway | None = None
) -> BillingKey:
    """Store the key a billing-key issuance produced, encrypted, for the buyer the issuance was for.

    Raises validation_error (not a receipt id, or unknown to Bootpay), billing_key_invalid with
    `details.reason`: `not_billing_receipt` (a payment receipt, not a key issuance),
    `not_issued_to_you` (its subscription_id was issued to another buyer, or by nobody here),
    `already_registered` (this receipt, or this key, is registered already: refused, also for the same
    buyer), and gateway_unavailable / gateway_error. Safe against concurrent registrations of one
    receipt: exactly one succeeds.
    """
    check_receipt_id(receipt_id)
    gateway = gateway_or_default(gateway)
    try:
        info = gateway.billing_key_for_receipt(receipt_id)
    except GatewayError as exc:
        if exc.code == NOT_SUBSCRIBE:
            raise _invalid_key("not_billing_receipt") from exc
        if exc.code == "RC_NOT_FOUND":
            raise DomainError.invalid("receipt_id", "Bootpay knows no such receipt") from exc
        raise gateway_failure(exc) from exc
    except GatewayUnavailable as exc:
        raise gateway_failure(exc) from exc
    if info.status != ReceiptStatus.BILLING_KEY_ISSUED or not info.billing_key:
        raise _invalid_key("not_billing_receipt")
    if info.receipt_id and info.receipt_id != receipt_id:
        raise _invalid_key("not_billing_receipt")
    fingerprint = billing_key_fingerprint(info.billing_key)
    with transaction.atomic():
        request = (
            BillingKeyRequest.objects.select_for_update().filter(subscription_id=info.subscription_id).first()
            if info.subscription_id
            else None
        )
        if request is None or buyer.pk is None or request.buyer_id != buyer.pk:
            raise _invalid_key("not_issued_to_you")
        taken = BillingKey.objects.filter(Q(receipt_id=receipt_id) | Q(key_fingerprint=fingerprint))
        if request.used_at is not None or taken.exists():
            raise _invalid_key("already_registered")
        try:
            with transaction.atomic():  # savepoint: the unique receipt and fingerprint are the last word
                key = BillingKey.objects.create(
                    buyer=buyer,
                    key_encrypted=billing_key_encrypt(info.billing_key),
                    key_fingerprint=fingerprint,
                    receipt_id=receipt_id,
                    card_company=info.card_company[:60],
                    card_number_masked=info.card_number_masked[:40],
                    expires_at=info.expires_at,
                )
        except IntegrityError as exc:
            raise _invalid_key("already_registered") from exc
        request.used_at = timezone.now()
        request.save(update_fields=["used_at"])
    logger.info("billing key %s registered (receipt %s)", key.billing_key_id, receipt_id)
    return key


def _key_in_use(key: BillingKey) -> list[str]:
    return list(
        Subscription.objects.filter(billing_key=key, status__in=Subscription.LIVE_STATUSES).values_list(
            "subscription_id", flat=True
        )
    )


def _destroy_at_bootpay(plain: _Secret, gateway: Gateway) -> None:
    """Destroy the key at Bootpay; one already gone (SUBSCRIBE_BK_EXPIRED) counts as destroyed."""
    try:
        gateway.billing_key_destroy(plain.value)
    except GatewayError as exc:
        if exc.code != KEY_GONE:
            raise


def billing_key_remove(
    *, buyer: AbstractBaseUser | AnonymousUser, billing_key_id: str, gateway: Gateway | None = None
) -> BillingKey:
    """The buyer removes one of their keys: destroyed at Bootpay, then kept as `removed`.

    Raises billing_key_not_found (not theirs, or unknown), billing_key_in_use (409, while an active or
    past-due subscription uses it: cancel that first; `details.subscription_ids`), gateway_unavailable
    and gateway_error (the key is then left as it was). Idempotent.
    """
    gateway = gateway_or_default(gateway)
    with transaction.atomic():
        key = (
            BillingKey.objects.select_for_update()
            .filter(billing_key_id=billing_key_id, buyer_id=buyer.pk)
            .first()
            if buyer.pk is not None and isinstance(billing_key_id, str)
            else None
        )
        if key is None:
            raise DomainError(ErrorCode.BILLING_KEY_NOT_FOUND)
        if key.status == KeyStatus.REMOVED:
            return key
        if in_use := _key_in_use(key):
            raise DomainError(ErrorCode.BILLING_KEY_IN_USE, details={"subscription_ids": in_use})
        before = key.status
        plain = _Secret(key.key)
        # Marked first, so no subscription can start on it while Bootpay destroys it.
        key.status, key.removed_at = KeyStatus.REMOVED, timezone.now()
        key.save(update_fields=["status", "removed_at"])
    try:
        _destroy_at_bootpay(plain, gateway)
    except (GatewayError, GatewayUnavailable) as exc:
        BillingKey.objects.filter(pk=key.pk, status=KeyStatus.REMOVED).update(status=before, removed_at=None)
        key.status, key.removed_at = before, None
        raise gateway_failure(exc) from exc
    logger.info("billing key %s removed by its buyer", key.billing_key_id)
    return key


def _key_destroy_if_unused(
    *, key_pk: int, subscription: Subscription, actor: Actor, gateway: Gateway
) -> bool:
    """Destroy a key no active or past-due subscription uses any more (after its last one ended).

    Best effort: when Bootpay refuses or does not answer, the key stays active (the buyer can remove it,
    cancelling again retries). True when it was destroyed now.
    """
    with transaction.atomic():
        key = BillingKey.objects.select_for_update().get(pk=key_pk)
        if key.status != KeyStatus.ACTIVE or _key_in_use(key):
            return False
        plain = _Secret(key.key)
        key.status, key.removed_at = KeyStatus.REMOVED, timezone.now()
        key.save(update_fields=["status", "removed_at"])
    try:
        _destroy_at_bootpay(plain, gateway)
    except (GatewayError, GatewayUnavailable) as exc:
        BillingKey.objects.filter(pk=key_pk, status=KeyStatus.REMOVED).update(
            status=KeyStatus.ACTIVE, removed_at=None
        )
        logger.warning("billing key %s not destroyed: %s", key.billing_key_id, type(exc).__name__)
        return False
    _event(subscription, Kind.KEY_DESTROYED, actor, billing_key_id=key.billing_key_id)
    return True


# --- Subscribing -----------------------------------------------------------------------------------


def _charge_create(subscription: Subscription, *, period: int, due: datetime) -> SubscriptionCharge:
    """The period's charge and its order. Caller holds the subscription's lock."""
    order = order_create_for_subscription(
        buyer=subscription.buyer,
        product_id=subscription.product_id,
        unit_price=subscription.price,
        is_tax_free=subscription.tax_free > 0,
        order_id=period_order_id(subscription.pk, period),
        expires_at=_order_deadline(due),
        renewal=period > 1,
    )
    return SubscriptionCharge.objects.create(subscription=subscription, period=period, order=order)


def _live_subscription_id(buyer_pk: int, product_pk: int) -> str | None:
    return (
        Subscription.objects.filter(
            buyer_id=buyer_pk, product_id=product_pk, status__in=Subscription.LIVE_STATUSES
        )
        .values_list("subscription_id", flat=True)
        .first()
    )


def subscription_create(
    *,
    buyer: AbstractBaseUser | AnonymousUser,
    product_id: int,
    billing_key_id: str,
    gateway: Gateway | None = None,
) -> Subscription:
    """Subscribe the buyer to a subscribable product with one of their keys; period 1 is charged now.

    Price, tax-free part and interval are fixed now (later price changes do not touch it). Raises
    product_not_found, product_not_subscribable, product_unavailable / insufficient_stock (the first
    period takes a unit like any order), billing_key_not_found (not the buyer's, or not active);
    payment_failed (`details.pg_code`) when the first charge is declined: the subscription is then
    cancelled (the key is kept); gateway_unavailable when Bootpay did not answer: the subscription
    stays active with its first charge `unknown` until its webhook books it (`details.subscription_id`);
    subscription_exists (409, `details.subscription_id`) while the buyer has an active or past-due
    subscription to the product — so subscribing again after a 503 never charges twice.
    """
    if not buyer.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
    actor = Actor.of(buyer)
    with transaction.atomic():
        key = (
            BillingKey.objects.select_for_update()
            .filter(billing_key_id=billing_key_id, buyer_id=buyer.pk, status=KeyStatus.ACTIVE)
            .first()
            if isinstance(billing_key_id, str)
            else None
        )
        if key is None:
            raise DomainError(ErrorCode.BILLING_KEY_NOT_FOUND)
        product = Product.objects.select_for_update(of=("self",)).filter(pk=product_id).first()
        if product is None:
            raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
        if not product.subscription_interval:
            raise DomainError(ErrorCode.PRODUCT_NOT_SUBSCRIBABLE, details={"product_id": product_id})
        # One live subscription per buyer and product: subscribing again after a 503 (the first charge
        # may have gone through) must not charge a second time. The product's lock queues concurrent
        # subscribes; the partial unique constraint is the last word.
        if existing := _live_subscription_id(buyer.pk, product.pk):
            raise DomainError(ErrorCode.SUBSCRIPTION_EXISTS, details={"subscription_id": existing})
        now = timezone.now()
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    buyer=buyer,
                    product=product,
                    billing_key=key,
                    interval=product.subscription_interval,
                    price=product.price,
                    tax_free=product.price if product.is_tax_free else 0,
                    mode=settings.BILLING_MODE,
                    next_charge_at=now,
                )
        except IntegrityError as exc:
            existing = _live_subscription_id(buyer.pk, product.pk)
            raise DomainError(ErrorCode.SUBSCRIPTION_EXISTS, details={"subscription_id": existing}) from exc
        _event(
            subscription,
            Kind.CREATED,
            actor,
            product_id=product.pk,
            price=subscription.price,
            tax_free=subscription.tax_free,
            interval=subscription.interval,
            mode=subscription.mode,
            billing_key_id=key.billing_key_id,
        )
        _charge_create(subscription, period=1, due=now)
    charge = subscription_charge_period(subscription_pk=subscription.pk, actor=actor, gateway=gateway)
    subscription.refresh_from_db()
    if charge is None or charge.state == State.PAID:
        return subscription
    details = {"subscription_id": subscription.subscription_id}
    if charge.state in (State.DECLINED, State.CANCELLED):
        raise DomainError(ErrorCode.PAYMENT_FAILED, details={**details, "pg_code": charge.last_error_code})
    raise DomainError(ErrorCode.GATEWAY_UNAVAILABLE, details={**details, "reason": "charge outcome unknown"})


# --- Charging a period -----------------------------------------------------------------------------


@dataclass
class _Claim:
    charge: SubscriptionCharge | None
    order: Order | None = None
    key: _Secret | None = None  # set when this caller is to send the charge
    settle: bool = False  # the order is paid: advance


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
    actor = actor or SYSTEM
    gateway = gateway_or_default(gateway)
    now = now or timezone.now()
    claim = _charge_claim(subscription_pk, actor=actor, now=now, skip_locked=skip_locked)
    if claim.settle and claim.charge is not None:
        return _period_settle_and_reserve(claim.charge.pk, actor=actor, gateway=gateway)
    if claim.key is None or claim.charge is None or claim.order is None:
        return claim.charge
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
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk, skip_locked=skip_locked)
        if subscription is None:
            if skip_locked:
                return _Claim(charge=None)
            raise DomainError(ErrorCode.SUBSCRIPTION_NOT_FOUND)
        if subscription.status == SubStatus.CANCELLED:
            raise DomainError(ErrorCode.SUBSCRIPTION_NOT_ACTIVE)
        period = subscription.current_period + 1
        due = subscription.next_charge_at is not None and subscription.next_charge_at <= now
        charge = SubscriptionCharge.objects.filter(subscription=subscription, period=period).first()
        if charge is None:
            if not due:
                return _Claim(charge=None)
            charge = _charge_create(subscription, period=period, due=subscription.next_charge_at)
        order = order_lock(order_pk=charge.order_id)
        if order.paid_at is not None and charge.state != State.PAID:
            return _Claim(charge=charge, settle=True)  # booked elsewhere (a webhook, the buyer, staff)
        if charge.state == State.SENDING:
            if charge.sending_until is not None and charge.sending_until > now:
                return _Claim(charge=charge)  # another worker is at Bootpay with it
            # Its sender stopped mid-call: Bootpay may have charged. Never sent again by itself.
            _mark_unknown(
                subscription, charge, actor=actor, reason="the sender's lease ran out", stage="charge"
            )
            return _Claim(charge=charge)
        if charge.state == State.UNKNOWN:
            _escalate_if_overdue(subscription, charge, actor=actor, now=now)
            return _Claim(charge=charge)
        if charge.state not in (State.PENDING, State.DECLINED) or not due:
            return _Claim(charge=charge)
        if subscription.mode == Subscription.Mode.RESERVE and subscription.reserve_id:
            return _Claim(charge=charge)  # Bootpay charges it (subscriptions_settle_reservations)
        if not order.is_payable:
            # Closed by someone else (the buyer cancelled the unpaid order): this period is given up.
            charge.state = State.CANCELLED
            charge.save(update_fields=["state", "updated_at"])
            _cancel_in_tx(subscription, actor=actor, reason="order_closed", now=now)
            return _Claim(charge=charge)
        if order_live_payment(order=order) is not None:
            # The buyer is paying this period another way (a virtual account awaiting its deposit, an
            # approval awaiting confirmation): no charge while it lives, and no retry spent on it.
            return _Claim(charge=charge)
        key = BillingKey.objects.get(pk=subscription.billing_key_id)
        if key.status != KeyStatus.ACTIVE:
            charge.state, charge.last_error_code = State.DECLINED, KEY_GONE
            charge.save(update_fields=["state", "last_error_code", "updated_at"])
            _event(subscription, Kind.DECLINED, actor, period=period, pg_code=KEY_GONE, key_status=key.status)
            _cancel_in_tx(
                subscription, actor=actor, reason="billing_key_gone", now=now, keep_state_of=charge.pk
            )
            return _Claim(charge=charge)
        plain = _Secret(key.key)  # before the claim: a key that cannot be decrypted changes nothing
        _charge_mark_sending(charge, now=now)
    return _Claim(charge=charge, order=order, key=plain)


def _charge_mark_sending(charge: SubscriptionCharge, *, now: datetime) -> None:
    """Claim a charge for one call to Bootpay: from here its outcome is open until an answer, a receipt
    or staff settle it (`SubscriptionCharge.OPEN_STATES`)."""
    charge.state = State.SENDING
    charge.sending_until = now + attempt_lease()
    charge.sent_at = timezone.now()
    charge.attempts += 1
    charge.save(update_fields=["state", "sending_until", "sent_at", "attempts", "updated_at"])


def _mark_unknown(
    subscription: Subscription, charge: SubscriptionCharge, *, actor: Actor, reason: str, stage: str
) -> None:
    charge.state, charge.sending_until = State.UNKNOWN, None
    charge.save(update_fields=["state", "sending_until", "updated_at"])
    _event(subscription, Kind.OUTCOME_UNKNOWN, actor, period=charge.period, stage=stage, reason=reason[:200])


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


def _charge_unknown(
    charge_pk: int, *, actor: Actor, reason: str, stage: str, attempt: int | None = None
) -> SubscriptionCharge:
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk)
        if _late_answer(subscription, charge, attempt=attempt, actor=actor, outcome="unknown"):
            return charge
        if charge.state == State.SENDING:
            _mark_unknown(subscription, charge, actor=actor, reason=reason, stage=stage)
    return charge


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
    return _period_settle_and_reserve(
        charge_pk, actor=actor, gateway=gateway, reserve=reserve, consumed_reserve_id=reserve_id
    )


def _charge_order_closed(charge_pk: int, *, actor: Actor) -> SubscriptionCharge:
    """A period's order was closed unpaid by someone else (its buyer): that period is given up and the
    subscription cancelled (reason `order_closed`). A charge whose outcome is open keeps it (its late
    receipt meets the closed order and is refunded, which settles it: `_charge_refunded`)."""
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk)
        order = order_lock(order_pk=charge.order_id)
        if order.paid_at is not None or order.is_payable:
            return charge
        if charge.state in UNPAID_STATES and charge.state not in OPEN_STATES:
            charge.state, charge.sending_until = State.CANCELLED, None
            charge.save(update_fields=["state", "sending_until", "updated_at"])
        if subscription.status != SubStatus.CANCELLED and charge.period > subscription.current_period:
            _cancel_in_tx(subscription, actor=actor, reason="order_closed", now=timezone.now())
    return charge


def _charge_refunded(
    charge_pk: int, *, actor: Actor, receipt_id: str, code: str, reserve_id: str = "", its_own: bool = True
) -> SubscriptionCharge:
    """Bootpay took a period's money but the money core refused the receipt (`code`: the order closed or
    paid already, another payment of it under way, an amount that differs, or a receipt that holds no
    money any more) and gave back what it held. No decline: once per receipt, an event
    `charge_refunded`. `its_own`: the receipt is the answer to the charge's latest attempt; another
    attempt's receipt changes nothing else (the latest one's outcome stays as it is).
    Then: a charge whose outcome was open is settled — `paid` when the period is paid otherwise,
    `cancelled` when its order is closed (a live subscription is cancelled, `order_closed`), `pending`
    when the order is still open (charged again when due, not while another payment of it lives; a
    refusal other than `order_not_payable` puts the subscription past_due for staff, so a refusal that
    would repeat is not charged and refunded again and again). `reserve_id`: the reservation that ran
    (forgotten)."""
    now = timezone.now()
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk, consumed_reserve_id=reserve_id)
        order = order_lock(order_pk=charge.order_id)
        if subscription.events.filter(kind=Kind.CHARGE_REFUNDED, data__receipt_id=receipt_id).exists():
            return charge
        _event(
            subscription,
            Kind.CHARGE_REFUNDED,
            actor,
            period=charge.period,
            receipt_id=receipt_id,
            code=code,
            attempt=charge.attempts,
            settles_the_charge=its_own,
        )
        if not its_own and charge.state in OPEN_STATES:
            return charge
        if order.paid_at is not None:
            # Paid another way: once the period has advanced the charge is simply paid; before that,
            # `_period_settle` finds this event and does both.
            if charge.state in OPEN_STATES and charge.period <= subscription.current_period:
                charge.state, charge.sending_until = State.PAID, None
                charge.save(update_fields=["state", "sending_until", "updated_at"])
            return charge
        if not order.is_payable:
            if charge.state in UNPAID_STATES:
                charge.state, charge.sending_until = State.CANCELLED, None
                charge.save(update_fields=["state", "sending_until", "updated_at"])
            if subscription.status != SubStatus.CANCELLED and charge.period > subscription.current_period:
                _cancel_in_tx(subscription, actor=actor, reason="order_closed", now=now)
            return charge
        if charge.state in OPEN_STATES:
            charge.state, charge.sending_until = State.PENDING, None
            charge.last_error_code = code[:60]
            charge.save(update_fields=["state", "sending_until", "last_error_code", "updated_at"])
        if subscription.status not in Subscription.LIVE_STATUSES:
            return charge
        if code != ErrorCode.ORDER_NOT_PAYABLE:
            subscription.status, subscription.next_charge_at = SubStatus.PAST_DUE, None
            subscription.save(update_fields=["status", "next_charge_at", "updated_at"])
            _event(
                subscription, Kind.PAST_DUE, actor, period=charge.period, reason="charge_refused", code=code
            )
        elif subscription.next_charge_at is None:  # escalated while unknown: known now, charged when due
            subscription.next_charge_at = now
            subscription.save(update_fields=["next_charge_at", "updated_at"])
    return charge


# A period not paid and not given up yet: its order is open for the subscription.
UNPAID_STATES = (State.PENDING, State.SENDING, State.UNKNOWN, State.DECLINED)
OPEN_STATES = SubscriptionCharge.OPEN_STATES


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
            charge.state, charge.sending_until = State.CANCELLED, None
            charge.save(update_fields=["state", "sending_until", "updated_at"])
        order_close_unpaid(order_pk=charge.order_id, label="subscription")


def _charge_declined(
    charge_pk: int,
    *,
    actor: Actor,
    code: str,
    message: str,
    gateway: Gateway,
    reserve_id: str = "",
    attempt: int | None = None,
) -> SubscriptionCharge:
    """A definite refusal of a period's charge: the retry schedule, or the end of the subscription.

    The first period is never retried (subscribing failed). SUBSCRIBE_BK_EXPIRED (the key is gone)
    ends it at once. Otherwise: first decline → past_due; retries at BILLING_RETRY_SCHEDULE_HOURS after
    the first decline; the last one declined → cancelled (and the key destroyed when nothing else uses it).
    """
    now = timezone.now()
    destroy_key = False
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk, consumed_reserve_id=reserve_id)
        if _late_answer(subscription, charge, attempt=attempt, actor=actor, outcome="declined", pg_code=code):
            return charge
        if charge.state not in (State.SENDING, State.UNKNOWN, State.PENDING):
            return charge  # settled meanwhile
        charge.state = State.DECLINED
        charge.last_error_code = code[:60]
        charge.sending_until = None
        charge.first_declined_at = charge.first_declined_at or now
        charge.save()
        _event(
            subscription,
            Kind.DECLINED,
            actor,
            period=charge.period,
            pg_code=code,
            pg_message=message[:200],
            attempt=charge.attempts,
        )
        close_order = True
        schedule = retry_schedule()
        keep = {"keep_state_of": charge.pk}
        if subscription.status == SubStatus.CANCELLED:
            pass
        elif code == KEY_GONE:
            BillingKey.objects.filter(pk=subscription.billing_key_id, status=KeyStatus.ACTIVE).update(
                status=KeyStatus.EXPIRED
            )
            _cancel_in_tx(subscription, actor=actor, reason="billing_key_gone", now=now, **keep)
        elif charge.period == 1:
            _cancel_in_tx(subscription, actor=actor, reason="first_charge_declined", now=now, **keep)
        elif subscription.retry_count < len(schedule):
            close_order = False
            if subscription.status != SubStatus.PAST_DUE:
                subscription.status = SubStatus.PAST_DUE
                _event(subscription, Kind.PAST_DUE, actor, period=charge.period, reason="declined")
            # On the schedule from the first decline, but never sooner than its first step after this
            # one: retries held back (the buyer paid by virtual account meanwhile) do not run back to back.
            subscription.next_charge_at = max(
                charge.first_declined_at + schedule[subscription.retry_count], now + schedule[0]
            )
            subscription.retry_count += 1
            subscription.save(update_fields=["status", "next_charge_at", "retry_count", "updated_at"])
            _event(
                subscription,
                Kind.RETRY_SCHEDULED,
                actor,
                period=charge.period,
                retry=subscription.retry_count,
                at=subscription.next_charge_at.isoformat(),
            )
        else:
            _cancel_in_tx(subscription, actor=actor, reason="retries_exhausted", now=now, **keep)
            destroy_key = True
        if close_order:
            order_close_unpaid(order_pk=charge.order_id, label="subscription")
    if destroy_key:
        _key_destroy_if_unused(
            key_pk=subscription.billing_key_id, subscription=subscription, actor=actor, gateway=gateway
        )
    return charge


# --- A paid period ---------------------------------------------------------------------------------


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
            charge.state = State.PAID
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


# Method symbols of receipts made with a billing key (Bootpay contract §3: `card_rebill_rest`; the others
# are the account and app variants it names, an assumption): a refused receipt of another method on a
# period's order is the buyer's own checkout, which settles nothing about our charge.
BILLING_CHARGE_METHODS = frozenset({"card_rebill_rest", "card_rebill", "automatic_transfer_rest"})


# Bootpay's clock against ours, and its receipts' whole seconds: a receipt made up to this long before its
# attempt was sent still counts as that attempt's (an earlier attempt's is older by at least a lease).
ATTEMPT_CLOCK_SKEW = timedelta(seconds=30)


def _answers_latest_attempt(charge: SubscriptionCharge, payment: Payment) -> bool:
    """Whether a payment's receipt answers the charge's latest attempt: made with a billing key, no
    earlier than that attempt was sent. The buyer's own checkout, or an earlier attempt's late receipt,
    leaves the latest attempt's outcome as it is (an open one stays open)."""
    made_at = _made_at(payment)
    if payment.method not in BILLING_CHARGE_METHODS or made_at is None:
        return False
    return charge.sent_at is None or made_at >= charge.sent_at - ATTEMPT_CLOCK_SKEW


def _made_at(payment: Payment) -> datetime | None:
    """When Bootpay made a payment's receipt: paid, else requested (a receipt that never took money)."""
    raw = payment.raw_receipt if isinstance(payment.raw_receipt, dict) else {}
    requested = raw.get("requested_at")
    return payment.purchased_at or (parse_datetime(requested) if isinstance(requested, str) else None)


def on_payment_refused(sender: object = None, *, order: Order, payment: Payment, code: str, **_: Any) -> None:
    """Receiver of `payments.services.common.payment_refused` (under the order's lock): a receipt made
    with a billing key on a period's order that the money core refused (and refunded, or that holds no
    money: failed, or cancelled at Bootpay) is settled in billing once the refusal commits
    (`_charge_refunded`), whichever path brought it (webhook, staff, reconcile, the charge's answer)."""
    if payment.method not in BILLING_CHARGE_METHODS:
        return
    order_pk, payment_pk = order.pk, payment.pk
    transaction.on_commit(lambda: _after_payment_refused(order_pk, payment_pk, code), robust=True)


def _after_payment_refused(order_pk: int, payment_pk: int, code: str) -> None:
    charge = SubscriptionCharge.objects.filter(order_id=order_pk).first()
    if charge is None or charge.state not in OPEN_STATES:
        return
    payment = Payment.objects.get(pk=payment_pk)
    _charge_refunded(
        charge.pk,
        actor=Actor(label="payment"),
        receipt_id=payment.receipt_id,
        code=code,
        its_own=_answers_latest_attempt(charge, payment),
    )


def _after_order_paid(order_pk: int) -> None:
    charge_pk = SubscriptionCharge.objects.filter(order_id=order_pk).values_list("pk", flat=True).first()
    if charge_pk is not None:
        subscription_order_paid(charge_pk=charge_pk)


def subscription_order_paid(*, charge_pk: int, gateway: Gateway | None = None) -> SubscriptionCharge:
    """A period's order was paid (by whatever path): mark it, advance, reserve the next if reserving."""
    return _period_settle_and_reserve(
        charge_pk, actor=Actor(label="payment"), gateway=gateway_or_default(gateway)
    )


# --- Reserved mode ---------------------------------------------------------------------------------


def _reserve_next(subscription_pk: int, *, actor: Actor, gateway: Gateway) -> None:
    """Ask Bootpay to charge the next period by itself at its date (mode `reserve`), once.

    Tried once per period, right after the previous one was paid: refused → the period is charged
    directly when due; no answer → the charge is `unknown` (a reservation may exist) and is never
    sent again by itself, like an unknown charge.
    """
    now = timezone.now()
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
            charge = _charge_create(subscription, period=period, due=subscription.next_charge_at)
        if charge.state != State.PENDING or charge.attempts > 0:
            return
        key = BillingKey.objects.get(pk=subscription.billing_key_id)
        if key.status != KeyStatus.ACTIVE:
            return  # the direct charge at the due date finds out and ends it
        plain = _Secret(key.key)
        order = charge.order
        execute_at = subscription.next_charge_at
        _charge_mark_sending(charge, now=now)
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
                charge.state, charge.sending_until, charge.last_error_code = (
                    State.PENDING,
                    None,
                    exc.code[:60],
                )
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
            charge.state, charge.sending_until = State.PENDING, None
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


def _reserved_charge(subscription: Subscription) -> SubscriptionCharge | None:
    return SubscriptionCharge.objects.filter(
        subscription=subscription, period=subscription.current_period + 1
    ).first()


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


# --- Cancelling ------------------------------------------------------------------------------------


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
    gateway = gateway_or_default(gateway)
    subscription = _visible_subscription(subscription_id, actor)
    who = Actor.of(actor)
    if subscription.reserve_id:
        _reservation_revoke(subscription.pk, actor=who, gateway=gateway)
    now = timezone.now()
    with transaction.atomic():
        subscription = _subscription_lock(subscription.pk)
        leftover_reservation = bool(subscription.reserve_id)  # reserved by a settle racing with us
        if subscription.status != SubStatus.CANCELLED:
            reason = (
                "cancelled_by_buyer"
                if who.user is not None and who.user.pk == subscription.buyer_id
                else "cancelled_by_staff"
            )
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


# --- Staff: settling an unknown outcome ----------------------------------------------------------------


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
        charge.state = State.PENDING
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


# --- Open outcomes ---------------------------------------------------------------------------------


def subscription_charge_open_list() -> Any:
    """Charges sent to Bootpay whose outcome is open (`sending`, `unknown`), whatever their
    subscription's status: what staff settle (docs/billing.md, "Open outcomes"). Oldest first."""
    return (
        SubscriptionCharge.objects.filter(state__in=OPEN_STATES)
        .select_related("subscription", "order")
        .order_by("sent_at", "pk")
    )


def on_period_open_outcomes(
    sender: object = None, *, start: datetime, end: datetime, **_: Any
) -> list[StatementDifference]:
    """Receiver of `payments.services.reconcile.period_open_outcomes`: the period's charges whose
    outcome is open, each a difference of the statement reconciliation."""
    charges = subscription_charge_open_list().filter(sent_at__gte=start, sent_at__lt=end)
    return [
        StatementDifference(
            charge.receipt_id,
            "open_outcome",
            0,
            charge.order.total_amount,
            f"subscription {charge.subscription.subscription_id} period {charge.period} order "
            f"{charge.order.order_id}: charge {charge.state} since {charge.sent_at.isoformat()}",
        )
        for charge in charges
    ]


# --- Beat task bodies ------------------------------------------------------------------------------


def subscription_charges_mark_lost(*, now: datetime | None = None, limit: int = 500) -> int:
    """Charges whose sender stopped mid-call (its lease ran out, no answer recorded) become `unknown`,
    whatever their subscription's status: Bootpay may have charged. Returns how many were marked."""
    now = now or timezone.now()
    lost = SubscriptionCharge.objects.filter(state=State.SENDING, sending_until__lt=now)
    marked = 0
    for charge_pk in list(lost.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            subscription, charge = _charge_lock(charge_pk)
            if charge.state == State.SENDING and charge.sending_until and charge.sending_until < now:
                _mark_unknown(
                    subscription, charge, actor=SYSTEM, reason="the sender's lease ran out", stage="lease"
                )
                marked += 1
    return marked


def subscriptions_charge_due(
    *,
    now: datetime | None = None,
    gateway: Gateway | None = None,
    batch_size: int = 100,
    time_budget_s: float = 180,
) -> int:
    """Charge every active or past-due subscription whose next charge (or retry) is due; returns how
    many were looked at. Safe on several workers: a subscription another worker holds is skipped
    (`skip_locked`), and a period's charge is claimed before it is sent. Stops starting new charges
    after `time_budget_s` (the rest wait for the next run), well inside the task's time limit."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    started = time.monotonic()
    subscription_charges_mark_lost(now=now)
    due = Subscription.objects.filter(
        status__in=Subscription.LIVE_STATUSES, next_charge_at__lte=now, reserve_id=""
    )
    handled = 0
    after: tuple[datetime, int] | None = None
    while time.monotonic() - started < time_budget_s:
        page = due
        if after is not None:
            page = page.filter(Q(next_charge_at__gt=after[0]) | Q(next_charge_at=after[0], pk__gt=after[1]))
        rows = list(page.order_by("next_charge_at", "pk").values_list("next_charge_at", "pk")[:batch_size])
        for _, subscription_pk in rows:
            if time.monotonic() - started >= time_budget_s:
                break
            try:
                with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                    charge = subscription_charge_period(
                        subscription_pk=subscription_pk, gateway=gateway, now=now, skip_locked=True
                    )
            except DomainError:
                continue  # cancelled meanwhile
            except Exception:  # one broken subscription must not stop the others
                logger.exception("charging subscription pk=%s failed", subscription_pk)
                continue
            handled += charge is not None
        if len(rows) < batch_size:
            break
        after = rows[-1]
    return handled


def subscriptions_settle_reservations(
    *, now: datetime | None = None, gateway: Gateway | None = None, limit: int = 200
) -> dict[str, int]:
    """Reservations past their execution time (plus a margin for Bootpay and its webhook), and those
    left on cancelled subscriptions: each looked up and applied (`subscription_reservation_settle`)."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    rows = (
        Subscription.objects.exclude(reserve_id="")
        .filter(Q(next_charge_at__lte=now - RESERVATION_SETTLE_AFTER) | Q(status=SubStatus.CANCELLED))
        .order_by("next_charge_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for subscription_pk in list(rows):
        try:
            with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                outcome = subscription_reservation_settle(subscription_pk=subscription_pk, gateway=gateway)
        except DomainError as exc:
            outcome = f"refused:{exc.code}"
        except Exception:
            logger.exception("settling the reservation of subscription pk=%s failed", subscription_pk)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
