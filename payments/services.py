"""Every money rule, once: verify, confirm, cancel, sync from Bootpay's truth, reconcile.

REST views, GraphQL mutations, webhooks and management commands all call these functions.
Money state changes only inside `transaction.atomic()` on rows locked with `select_for_update`,
in the fixed order order → payment → cancellation. Network calls to Bootpay happen outside open
transactions: we commit our intent (a `Cancellation` with its `cancel_id`, a failed `Payment`
holding the evidence), call the gateway, then lock again and apply what it answered.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Seller
from orders.selectors import Role, user_role
from orders.services import order_items_release_stock, order_lock
from payments import gateway as bootpay
from payments.gateway import GatewayError, GatewayUnavailable, Receipt, ReceiptStatus, RefundAccount
from payments.models import Cancellation, Payment, PaymentEvent

logger = logging.getLogger(__name__)

Status = Payment.Status
Kind = PaymentEvent.Kind

# Forward-only progress: a late or duplicated notification never moves a payment back.
_STATUS_RANK = {
    Status.READY: 0,
    Status.AWAITING_CONFIRM: 1,
    Status.AWAITING_DEPOSIT: 1,
    Status.PAID: 2,
    Status.PARTIALLY_CANCELLED: 3,
    Status.CANCELLED: 4,
    Status.FAILED: 4,
}


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a user, or a named system source ('webhook', 'reconcile')."""

    user: AbstractBaseUser | None = None
    label: str = ""

    @classmethod
    def of(cls, user: AbstractBaseUser | None, label: str = "") -> Actor:
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user=user, label=label or ("user" if user else "system"))


_PAYABLE_RECEIPT_STATUSES = (Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT, Status.PAID)

# --- Small helpers ---------------------------------------------------------------------------------


def _gateway_failure(exc: GatewayError | GatewayUnavailable) -> DomainError:
    if isinstance(exc, GatewayUnavailable):
        return DomainError(ErrorCode.GATEWAY_UNAVAILABLE, details={"reason": exc.reason})
    return DomainError(ErrorCode.GATEWAY_ERROR, details={"pg_code": exc.code, "pg_message": exc.message})


def _event_append(
    payment: Payment,
    *,
    kind: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    receipt: Receipt | None = None,
    data: dict[str, Any] | None = None,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        from_status=from_status,
        to_status=to_status or payment.status,
        actor=actor.user,
        actor_label=actor.label,
        pg_response=receipt.raw if receipt else {},
        data=data or {},
    )


def _payment_lock(*, payment_pk: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_pk)


def _status_for_receipt(receipt: Receipt) -> str:
    if receipt.status == ReceiptStatus.PAID:
        return Status.PARTIALLY_CANCELLED if receipt.cancelled_price else Status.PAID
    if receipt.status == ReceiptStatus.AWAITING_CONFIRM:
        return Status.AWAITING_CONFIRM
    if receipt.status == ReceiptStatus.VBANK_ISSUED:
        return Status.AWAITING_DEPOSIT
    if receipt.status == ReceiptStatus.CANCELLED:
        if receipt.cancelled_price and receipt.cancelled_price < receipt.price:
            return Status.PARTIALLY_CANCELLED
        return Status.CANCELLED
    if receipt.status == ReceiptStatus.READY:
        return Status.READY
    return Status.FAILED  # negative codes: failed, expired, issuance cancelled


def _receipt_fields(receipt: Receipt) -> dict[str, Any]:
    return {
        "raw_receipt": receipt.raw,
        "method": receipt.method_symbol[:40],
        "method_name": receipt.method[:60],
        "pg": receipt.pg[:60],
        "sandbox": receipt.sandbox,
        "purchased_at": receipt.purchased_at,
    }


def _order_mark_paid(order: Order) -> None:
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at", "updated_at"])
    order.items.filter(status=OrderItem.Status.PENDING_PAYMENT).update(status=OrderItem.Status.PAID)


def _amount_problems(order: Order, receipt: Receipt) -> dict[str, Any]:
    """What differs between our order and what the PG charged (empty when they agree)."""
    problems = {}
    if receipt.price != order.total_amount:
        problems["price"] = {"expected": order.total_amount, "received": receipt.price}
    if receipt.tax_free != order.tax_free_amount:
        problems["tax_free"] = {"expected": order.tax_free_amount, "received": receipt.tax_free}
    if receipt.currency.upper() != order.currency:
        problems["currency"] = {"expected": order.currency, "received": receipt.currency}
    return problems


def _check_receipt_id(receipt_id: Any) -> str:
    if not isinstance(receipt_id, str) or not bootpay.RECEIPT_ID_PATTERN.match(receipt_id):
        raise DomainError.invalid("receipt_id", "not a Bootpay receipt id")
    return receipt_id


# --- Verify ----------------------------------------------------------------------------------------


def payment_verify(*, order_id: str, receipt_id: str, actor: AbstractBaseUser | None) -> Payment:
    """Bind a Bootpay receipt to the caller's order after checking it against our own records.

    Accepted only when the receipt names this order and its price, tax-free part and currency equal
    ours. Raises order_not_found, receipt_already_used, receipt_order_mismatch (both leave the
    receipt untouched at the PG: it may pay someone else's order), amount_mismatch and
    order_not_payable (both cancel the charge at the PG so the buyer is not charged for nothing),
    gateway_unavailable, gateway_error. Retrying with the same pair returns the same payment.
    """
    _check_receipt_id(receipt_id)
    order = _order_for_verify(order_id=order_id, user=actor)
    if existing := Payment.objects.filter(receipt_id=receipt_id).first():
        return _existing_binding(existing, order)
    try:
        receipt = bootpay.get_gateway().lookup_receipt(receipt_id)
    except GatewayError as exc:
        if exc.code == "RC_NOT_FOUND":
            raise DomainError.invalid("receipt_id", "Bootpay knows no such receipt") from exc
        raise _gateway_failure(exc) from exc
    except GatewayUnavailable as exc:
        raise _gateway_failure(exc) from exc
    return payment_bind_receipt(order_pk=order.pk, receipt=receipt, actor=Actor.of(actor))


def _order_for_verify(*, order_id: str, user: AbstractBaseUser | None) -> Order:
    order = Order.objects.filter(order_id=order_id).first() if isinstance(order_id, str) else None
    if order is None or user is None or not (order.buyer_id == user.pk or user_role(user) == Role.STAFF):
        raise DomainError(ErrorCode.ORDER_NOT_FOUND)
    return order


def _rejection(payment: Payment) -> DomainError:
    """The error a rejected payment was refused with, so a retry hears the same answer."""
    rejected = payment.events.filter(kind=Kind.VERIFY_REJECTED).order_by("pk").first()
    code = (rejected.data.get("code") if rejected else None) or ErrorCode.PAYMENT_FAILED
    return DomainError(code, details={"payment_id": payment.public_id})


def _existing_binding(payment: Payment, order: Order) -> Payment:
    if payment.order_id != order.pk:
        raise DomainError(ErrorCode.RECEIPT_ALREADY_USED)
    if payment.status == Status.FAILED:
        raise _rejection(payment)
    return payment


def payment_bind_receipt(*, order_pk: int, receipt: Receipt, actor: Actor) -> Payment:
    """Apply a freshly fetched receipt to an order that has no payment for it yet.

    Shared by verify (the buyer's browser) and the webhook (Bootpay's notice), which may race: both
    lock the order row first, so exactly one creates the payment and the others see it.
    """
    refund: Cancellation | None = None
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        existing = Payment.objects.filter(receipt_id=receipt.receipt_id).first()
        if existing is None:
            payment, error, refund = _payment_open(order, receipt, actor)
    if existing is not None:  # lost the race: just make sure it reflects this receipt
        _existing_binding(existing, order)
        return payment_sync_from_receipt(receipt=receipt, actor=actor)
    if refund is not None:  # intent committed above; now the PG call, then settle
        _cancellation_execute(refund, actor=actor, raise_on_failure=False)
    if error is not None:
        raise error
    return payment


def _payment_open(
    order: Order, receipt: Receipt, actor: Actor
) -> tuple[Payment, DomainError | None, Cancellation | None]:
    """Create the payment for a receipt under the order lock: accepted, or failed with the evidence."""
    if receipt.order_id != order.order_id:
        logger.warning("receipt %s names order %r, not %s", receipt.receipt_id, receipt.order_id, order)
        raise DomainError(ErrorCode.RECEIPT_ORDER_MISMATCH)

    status = _status_for_receipt(receipt)
    if status not in _PAYABLE_RECEIPT_STATUSES:  # failed, or cancelled before we ever saw it
        payment = _payment_reject(
            order, receipt, actor, {"code": ErrorCode.PAYMENT_FAILED, "receipt_status": receipt.status}
        )
        return payment, _rejection(payment), None

    problems = _amount_problems(order, receipt)
    other_live = order.payments.filter(status__in=Payment.LIVE_STATUSES).exists()
    if not problems and order.is_payable and not other_live:
        payment = _payment_create(order, receipt, status)
        _event_append(payment, kind=Kind.VERIFIED, actor=actor, receipt=receipt)
        if status == Status.PAID:
            _order_mark_paid(order)
        return payment, None, None

    code = ErrorCode.AMOUNT_MISMATCH if problems else ErrorCode.ORDER_NOT_PAYABLE
    payment = _payment_reject(
        order,
        receipt,
        actor,
        {
            "code": code,
            "problems": problems,
            "order_status": order.status,
            "order_already_has_payment": other_live,
        },
    )
    refund = None
    # Money was taken (or a virtual account issued) for something we will not sell: give it back.
    # A status-2 receipt was never charged: not confirming it is enough.
    if receipt.status in (ReceiptStatus.PAID, ReceiptStatus.VBANK_ISSUED) and receipt.remaining_price > 0:
        refund = _cancellation_open(
            payment,
            amount=receipt.remaining_price,
            tax_free=receipt.tax_free - receipt.cancelled_tax_free,
            actor=actor,
            reason="결제 검증 실패로 자동 취소 (amount mismatch)"
            if problems
            else "결제 검증 실패로 자동 취소 (order not payable)",
        )
    details = {"payment_id": payment.public_id} | ({"problems": problems} if problems else {})
    return payment, DomainError(code, details=details), refund


def _payment_reject(order: Order, receipt: Receipt, actor: Actor, evidence: dict[str, Any]) -> Payment:
    """Record a receipt we refuse as a failed payment, keeping the evidence (and binding the receipt)."""
    payment = _payment_create(order, receipt, Status.FAILED)
    _event_append(payment, kind=Kind.VERIFY_REJECTED, actor=actor, receipt=receipt, data=evidence)
    return payment


def _payment_create(order: Order, receipt: Receipt, status: str) -> Payment:
    try:
        with transaction.atomic():  # savepoint: the unique receipt is the last line of defence
            return Payment.objects.create(
                order=order,
                receipt_id=receipt.receipt_id,
                status=status,
                amount=receipt.price,
                tax_free_amount=min(receipt.tax_free, receipt.price),
                **_receipt_fields(receipt),
            )
    except IntegrityError as exc:
        raise DomainError(ErrorCode.RECEIPT_ALREADY_USED) from exc


# --- Confirm (separate approval) -------------------------------------------------------------------


def payment_confirm(*, payment_pk: int, actor: AbstractBaseUser | None) -> Payment:
    """Approve a separately-confirmed payment (Bootpay status 2) after re-checking the order.

    Raises payment_not_confirmable, amount_mismatch / order_not_payable (nothing is approved),
    gateway_unavailable (outcome unknown: stays awaiting_confirm for reconcile), gateway_error.
    Safe to retry: a second confirm finds the payment paid and returns it.
    """
    who = Actor.of(actor)
    with transaction.atomic():
        payment = Payment.objects.select_related("order").get(pk=payment_pk)
        order = order_lock(order_pk=payment.order_id)
        payment = _payment_lock(payment_pk=payment_pk)
        if payment.status == Status.PAID:
            return payment
        if payment.status != Status.AWAITING_CONFIRM:
            raise DomainError(ErrorCode.PAYMENT_NOT_CONFIRMABLE, details={"status": payment.status})
        if payment.amount != order.total_amount or payment.tax_free_amount != order.tax_free_amount:
            raise DomainError(ErrorCode.AMOUNT_MISMATCH)
        if not order.is_payable:
            raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"order_status": order.status})
    try:
        receipt = bootpay.get_gateway().confirm(payment.receipt_id)
    except GatewayUnavailable as exc:
        raise _gateway_failure(exc) from exc
    except GatewayError as exc:
        # Already confirmed by a concurrent call (or by Bootpay itself)? The receipt tells.
        receipt = _lookup_or_none(payment.receipt_id)
        if receipt is None or receipt.status != ReceiptStatus.PAID:
            raise _gateway_failure(exc) from exc
    payment = payment_sync_from_receipt(receipt=receipt, actor=who)
    if payment.status == Status.FAILED:
        raise _rejection(payment)
    return payment


def _lookup_or_none(receipt_id: str) -> Receipt | None:
    try:
        return bootpay.get_gateway().lookup_receipt(receipt_id)
    except (GatewayError, GatewayUnavailable):
        return None


# --- Sync: apply the PG's truth --------------------------------------------------------------------


def payment_sync_from_receipt(*, receipt: Receipt, actor: Actor) -> Payment:
    """The one place a fetched receipt changes an existing payment (verify, confirm, webhook, reconcile).

    Moves only forward, so duplicated and out-of-order notices are harmless. A payment completing
    here (deposit, approval) is checked against the order again and refunded if it no longer fits.
    A cancellation made outside this service (Bootpay's admin) is recorded as a `Cancellation`; one
    we asked for and have not settled yet is left to `_cancellation_settle`. Appends an event only
    when something changed.
    """
    refund: Cancellation | None = None
    with transaction.atomic():
        payment = Payment.objects.get(receipt_id=receipt.receipt_id)
        order = order_lock(order_pk=payment.order_id)
        payment = _payment_lock(payment_pk=payment.pk)
        before = payment.status
        target = _status_for_receipt(receipt)
        if before in (Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT):
            if _STATUS_RANK[target] <= _STATUS_RANK[before]:
                return payment  # stale or duplicate news
            if target == Status.FAILED or (target == Status.CANCELLED and receipt.purchased_at is None):
                # Declined, aged out, or a virtual account withdrawn before any deposit: no money moved.
                _payment_update(payment, status=Status.FAILED, receipt=receipt)
                _event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
            elif target in (Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT):
                _payment_update(payment, status=target, receipt=receipt)
                _event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
            else:  # the money arrived: deposit, approval, or a late "paid" notice
                refund = _payment_complete(payment, order, receipt, actor)
        elif before == Status.FAILED:
            refund = _failed_payment_refund(payment, receipt, actor)
        elif before != Status.PAID and before != Status.PARTIALLY_CANCELLED:
            return payment  # a fully cancelled payment is final

        _record_external_cancellation(payment, order, receipt, actor)

    if refund is not None:
        _cancellation_execute(refund, actor=actor, raise_on_failure=False)
        payment.refresh_from_db()
    return payment


def _payment_update(payment: Payment, *, status: str, receipt: Receipt) -> None:
    payment.status = status
    for name, value in _receipt_fields(receipt).items():
        setattr(payment, name, value)
    payment.save()


def _payment_complete(payment: Payment, order: Order, receipt: Receipt, actor: Actor) -> Cancellation | None:
    """A pending payment now holds money. Returns the refund to send when it no longer fits the order."""
    before = payment.status
    problems = _amount_problems(order, receipt)
    if not problems and order.is_payable:
        _payment_update(payment, status=Status.PAID, receipt=receipt)
        _event_append(payment, kind=Kind.SYNCED, actor=actor, from_status=before, receipt=receipt)
        _order_mark_paid(order)
        return None
    _payment_update(payment, status=Status.FAILED, receipt=receipt)
    _event_append(
        payment,
        kind=Kind.VERIFY_REJECTED,
        actor=actor,
        from_status=before,
        receipt=receipt,
        data={
            "code": ErrorCode.AMOUNT_MISMATCH if problems else ErrorCode.ORDER_NOT_PAYABLE,
            "problems": problems,
            "order_status": order.status,
        },
    )
    if receipt.remaining_price <= 0:
        return None
    return _cancellation_open(
        payment,
        amount=receipt.remaining_price,
        tax_free=receipt.tax_free - receipt.cancelled_tax_free,
        actor=actor,
        reason="결제 검증 실패로 자동 취소",
    )


def _failed_payment_refund(payment: Payment, receipt: Receipt, actor: Actor) -> Cancellation | None:
    """A failed payment must hold no money: a refused charge whose refund the PG declined, or a receipt
    refused while unpaid (status 0) and paid afterwards. What the PG still holds for it goes back,
    unless a cancel of ours is already on its way."""
    money_taken = receipt.purchased_at is not None and receipt.status in (
        ReceiptStatus.PAID,
        ReceiptStatus.CANCELLED,
    )
    in_flight = _in_flight(payment).amount > 0
    amount = min(receipt.remaining_price, payment.amount - payment.cancelled_amount)
    if not money_taken or in_flight or amount < 1:
        return None
    tax_free_left = min(
        receipt.tax_free - receipt.cancelled_tax_free,
        payment.tax_free_amount - payment.cancelled_tax_free_amount,
    )
    return _cancellation_open(
        payment,
        amount=amount,
        tax_free=max(0, min(tax_free_left, amount)),
        actor=actor,
        reason="실패 처리된 결제의 잔액 자동 취소",
    )


def _record_external_cancellation(payment: Payment, order: Order, receipt: Receipt, actor: Actor) -> None:
    """Book what Bootpay shows as cancelled beyond our own cancellations (its admin, a cancel of ours
    it applied although we recorded a refusal), so our totals follow the receipt's. Caller holds the locks."""
    if payment.status not in (Status.PAID, Status.PARTIALLY_CANCELLED):
        return
    in_flight = _in_flight(payment)
    unexplained = receipt.cancelled_price - payment.cancelled_amount - in_flight.amount
    unexplained = min(unexplained, payment.amount - payment.cancelled_amount)
    if unexplained <= 0:
        return  # our own requested cancel(s) explain it; _cancellation_settle records them
    tax_free_left = payment.tax_free_amount - payment.cancelled_tax_free_amount
    tax_free = receipt.cancelled_tax_free - payment.cancelled_tax_free_amount - in_flight.tax_free
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=unexplained,
        tax_free_amount=max(0, min(tax_free, unexplained, tax_free_left)),
        reason="Bootpay에서 취소됨",
        state=Cancellation.State.SUCCEEDED,
        pg_response=receipt.raw,
        completed_at=timezone.now(),
    )
    _payment_apply_cancellation(payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCELLED_AT_PG)


# --- Cancel ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    amount: int
    tax_free: int

    @property
    def taxable(self) -> int:
        return self.amount - self.tax_free


def _in_flight(payment: Payment) -> Money:
    """Still-`requested` cancellations: the PG may have applied them, so they count as spent."""
    total = payment.cancellations.filter(state=Cancellation.State.REQUESTED).aggregate(
        amount=Coalesce(Sum("amount"), 0), tax_free=Coalesce(Sum("tax_free_amount"), 0)
    )
    return Money(amount=total["amount"], tax_free=total["tax_free"])


def _cancel_balance(payment: Payment) -> Money:
    """What may still be cancelled, and its tax-free part: paid minus booked minus in-flight."""
    in_flight = _in_flight(payment)
    amount = max(0, payment.amount - payment.cancelled_amount - in_flight.amount)
    tax_free = payment.tax_free_amount - payment.cancelled_tax_free_amount - in_flight.tax_free
    return Money(amount=amount, tax_free=max(0, min(tax_free, amount)))


def _attempt_lease() -> timedelta:
    # One cancel call and perhaps one lookup, each bounded by the gateway timeout, plus slack.
    return timedelta(seconds=3 * settings.BOOTPAY_TIMEOUT_S + 5)


def _cancel_fingerprint(**request: Any) -> str:
    """The IETF Idempotency-Key draft's request fingerprint: a digest of what the caller asked for."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def payment_cancel(
    *,
    payment_pk: int,
    actor: AbstractBaseUser,
    reason: str,
    amount: int | None = None,
    tax_free_amount: int | None = None,
    item_ids: Iterable[int] | None = None,
    idempotency_key: str | None = None,
    refund: RefundAccount | None = None,
) -> Cancellation:
    """Cancel all or part of a paid payment, once per idempotency key.

    Who may: staff (any amount or lines); a seller (only its own lines, amount derived from them);
    the buyer (whole lines not yet shipped, or the whole remainder when nothing shipped). A payment
    that never took money (an unpaid virtual account, an approval nobody confirmed) is withdrawn whole
    by its buyer or staff, and the order stays open for another payment.
    Every order line is refunded at most once: a line named by a cancellation still in flight is
    refused (cancel_in_progress), one already refunded too (validation_error). Refunded taxable money
    never exceeds paid taxable money, nor tax-free tax-free: a split that would is refused before
    Bootpay hears of it (validation_error naming the field).
    Raises validation_error, permission_denied, payment_not_cancellable, cancel_exceeds_balance,
    cancel_in_progress, idempotency_key_reused (the key came with a different request),
    gateway_unavailable (the cancellation stays `requested`), gateway_error (definite refusal: `failed`).
    A retry with the same key and request returns the first outcome; if that outcome was unknown, it
    asks Bootpay again with the same cancel_id and answers with what Bootpay settles.
    """
    who = Actor.of(actor)
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 1):
        raise DomainError.invalid("amount", "must be a whole number of won, at least 1")
    if tax_free_amount is not None and (
        isinstance(tax_free_amount, bool) or not isinstance(tax_free_amount, int) or tax_free_amount < 0
    ):
        raise DomainError.invalid("tax_free_amount", "must be a whole number of won, at least 0")
    if refund is not None and (problems := refund.problems()):
        raise DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": problems})
    wanted_lines = None if item_ids is None else sorted(set(item_ids))
    fingerprint = _cancel_fingerprint(
        amount=amount,
        tax_free_amount=tax_free_amount,
        items=wanted_lines,
        reason=reason,
        refund=refund.as_payload() if refund else None,
    )
    earlier: Cancellation | None = None
    with transaction.atomic():
        payment = Payment.objects.get(pk=payment_pk)
        order = order_lock(order_pk=payment.order_id)
        payment = _payment_lock(payment_pk=payment_pk)
        if idempotency_key:
            earlier = payment.cancellations.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.requested_by_id != getattr(who.user, "pk", None):
                raise DomainError.invalid("Idempotency-Key", "already used by someone else for this payment")
            if earlier.request_fingerprint and earlier.request_fingerprint != fingerprint:
                raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, details={"cancel_id": earlier.cancel_id})
        elif payment.status == Status.AWAITING_CONFIRM:
            _withdrawal_check(payment, order, who, amount, wanted_lines, tax_free_amount)
            cancellation = _unconfirmed_withdraw(
                payment, actor=who, reason=reason, idempotency_key=idempotency_key, fingerprint=fingerprint
            )
        else:
            lines, wanted = _cancel_request(
                payment, order, who, amount, tax_free_amount, wanted_lines, refund
            )
            cancellation = _cancellation_open(
                payment,
                amount=wanted.amount,
                tax_free=wanted.tax_free,
                actor=who,
                reason=reason,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                items=lines,
                refund=refund,
            )
    if earlier is not None:
        return _cancellation_replay(earlier, actor=who)
    # An unconfirmed approval is already withdrawn on our side: Bootpay refusing to void it is no error.
    withdrawn = payment.status == Status.FAILED
    return _cancellation_execute(cancellation, actor=who, raise_on_failure=not withdrawn)


def _cancel_request(
    payment: Payment,
    order: Order,
    who: Actor,
    amount: int | None,
    tax_free_amount: int | None,
    item_ids: list[int] | None,
    refund: RefundAccount | None,
) -> tuple[list[OrderItem], Money]:
    """Check a cancel of a payment holding money (or an unpaid virtual account); caller holds the locks."""
    if payment.status == Status.AWAITING_DEPOSIT:
        _withdrawal_check(payment, order, who, amount, item_ids, tax_free_amount)
        if _in_flight(payment).amount:
            raise DomainError(ErrorCode.CANCEL_IN_PROGRESS, details={"balance": 0})
        return [], Money(amount=payment.amount, tax_free=payment.tax_free_amount)
    if payment.status not in (Status.PAID, Status.PARTIALLY_CANCELLED):
        code = ErrorCode.CANCEL_EXCEEDS_BALANCE if payment.status == Status.CANCELLED else None
        raise DomainError(code or ErrorCode.PAYMENT_NOT_CANCELLABLE, details={"status": payment.status})
    if payment.method == "vbank" and refund is None:
        # Deposited money goes back by bank transfer; Bootpay refuses without a target account.
        raise DomainError.invalid("refund", "a deposited virtual account is refunded to a bank account")
    in_flight_lines = _lines_in_flight(payment)
    items = _cancel_items(order, item_ids, in_flight_lines)
    user = who.user
    role = user_role(user) if user is not None else Role.ANONYMOUS
    if role != Role.STAFF:
        items = _cancel_items_allowed(order, items, user, role, amount, tax_free_amount, in_flight_lines)
    return items, _cancel_split(_cancel_balance(payment), items, amount, tax_free_amount)


def _withdrawal_check(
    payment: Payment,
    order: Order,
    who: Actor,
    amount: int | None,
    item_ids: Iterable[int] | None,
    tax_free_amount: int | None,
) -> None:
    """A payment that holds no money yet (a virtual account nobody paid into, an approval nobody
    confirmed) is withdrawn whole, by its buyer or staff, so the order can be paid another way."""
    user = who.user
    if user is None or not (user.is_staff or order.buyer_id == user.pk):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if amount is not None or item_ids is not None or tax_free_amount is not None:
        raise DomainError.invalid(
            "amount", "a payment that took no money is withdrawn whole: leave amount out"
        )


def _unconfirmed_withdraw(
    payment: Payment,
    *,
    actor: Actor,
    reason: str,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Cancellation:
    """Give up an approval nobody confirmed (Bootpay status 2). No money moved, so the payment fails here
    at once (confirm refuses it from now on); the caller then tells Bootpay to void it. Should Bootpay
    approve it anyway, the failed payment's refund rule gives the money back. Caller holds the locks."""
    before = payment.status
    payment.status = Status.FAILED
    payment.save(update_fields=["status", "updated_at"])
    return _cancellation_open(
        payment,
        amount=payment.amount,
        tax_free=payment.tax_free_amount,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        from_status=before,
    )


def payment_withdraw_unconfirmed(
    *, order: Order, actor: AbstractBaseUser | None, label: str
) -> Cancellation | None:
    """The order is being abandoned (buyer's cancel, expiry): withdraw its unconfirmed approval, if any.

    The caller holds the order's lock and sends the returned withdrawal with `cancellation_send`
    after committing. Raises order_not_payable when another kind of payment is under way.
    """
    live = order.payments.filter(status__in=Payment.LIVE_STATUSES).first()
    if live is None:
        return None
    payment = _payment_lock(payment_pk=live.pk)
    if payment.status != Status.AWAITING_CONFIRM:
        raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"payment_status": payment.status})
    reason = (
        "주문 취소로 승인 대기 결제 철회" if label != "expiry" else "결제 기한 만료로 승인 대기 결제 철회"
    )
    return _unconfirmed_withdraw(payment, actor=Actor.of(actor, label), reason=reason)


def cancellation_send(*, cancellation: Cancellation, label: str = "system") -> Cancellation:
    """Send a committed cancellation to Bootpay and settle it; an unknown outcome stays for reconcile."""
    return _cancellation_execute(cancellation, actor=Actor(label=label), raise_on_failure=False)


def _lines_in_flight(payment: Payment) -> set[int]:
    return set(
        Cancellation.items.through.objects.filter(
            cancellation__payment=payment, cancellation__state=Cancellation.State.REQUESTED
        ).values_list("orderitem_id", flat=True)
    )


def _cancel_items(order: Order, item_ids: list[int] | None, in_flight: set[int]) -> list[OrderItem]:
    if item_ids is None:
        return []
    if not item_ids:
        raise DomainError.invalid("items", "name at least one order line, or leave items out")
    items = list(order.items.filter(pk__in=item_ids).order_by("pk"))
    if [item.pk for item in items] != item_ids:
        raise DomainError.invalid("items", "every line must belong to this order")
    if busy := [item.pk for item in items if item.pk in in_flight]:
        raise DomainError(ErrorCode.CANCEL_IN_PROGRESS, details={"items": busy})
    if not_paid := [item.pk for item in items if item.status != OrderItem.Status.PAID]:
        raise DomainError.invalid("items", f"lines already refunded or not paid: {not_paid}")
    return items


def _cancel_split(
    balance: Money, items: list[OrderItem], amount: int | None, tax_free_amount: int | None
) -> Money:
    """How much and its tax-free part, such that neither part exceeds what is left of it."""
    if items:
        wanted = sum(item.line_total for item in items)
        lines_tax_free = sum(item.line_total for item in items if item.is_tax_free)
        if amount is not None and amount != wanted:
            raise DomainError.invalid("amount", f"must equal the lines' total ({wanted}) or be left out")
        if tax_free_amount is not None and tax_free_amount != lines_tax_free:
            raise DomainError.invalid(
                "tax_free_amount", f"must equal the lines' tax-free total ({lines_tax_free}) or be left out"
            )
    else:
        wanted = balance.amount if amount is None else amount
    if wanted < 1 or wanted > balance.amount:
        raise DomainError(
            ErrorCode.CANCEL_EXCEEDS_BALANCE, details={"balance": balance.amount, "requested": wanted}
        )
    # Taxable money cannot go back beyond what is left of it, nor tax-free money beyond its part.
    lowest, highest = max(0, wanted - balance.taxable), min(wanted, balance.tax_free)
    if items:
        if not lowest <= lines_tax_free <= highest:
            raise DomainError.invalid(
                "items",
                f"these lines' taxable ({wanted - lines_tax_free}) or tax-free ({lines_tax_free}) money "
                f"exceeds what is left to refund (taxable {balance.taxable}, tax-free {balance.tax_free})",
            )
        return Money(amount=wanted, tax_free=lines_tax_free)
    # Taxable money goes back first unless staff split it; the last cancel takes all that is left.
    tax_free = lowest if tax_free_amount is None else tax_free_amount
    if not lowest <= tax_free <= highest:
        raise DomainError.invalid(
            "tax_free_amount", f"must be between {lowest} and {highest} for this amount"
        )
    return Money(amount=wanted, tax_free=tax_free)


def _cancel_items_allowed(
    order: Order,
    items: list[OrderItem],
    user: AbstractBaseUser | None,
    role: Role,
    amount: int | None,
    tax_free_amount: int | None,
    in_flight: set[int],
) -> list[OrderItem]:
    """Buyers and sellers cancel whole lines only; returns the lines this non-staff actor cancels."""
    if amount is not None or tax_free_amount is not None:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "Only staff may cancel an arbitrary amount.")
    if user is not None and order.buyer_id == user.pk:
        if any(item.shipped for item in items or order.items.all()):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "Shipped lines cannot be cancelled by the buyer.")
        return items
    if role == Role.SELLER:
        seller_pk = Seller.objects.get(user=user).pk
        if not items:
            paid = order.items.filter(seller_id=seller_pk, status=OrderItem.Status.PAID).order_by("pk")
            items = [item for item in paid if item.pk not in in_flight]
            if not items and paid:
                raise DomainError(ErrorCode.CANCEL_IN_PROGRESS, details={"items": [item.pk for item in paid]})
            if not items and order.items.filter(seller_id=seller_pk).exists():
                # every line of this seller is already refunded: nothing of theirs is left to cancel
                raise DomainError(ErrorCode.CANCEL_EXCEEDS_BALANCE, details={"balance": 0})
            if not items:
                raise DomainError(ErrorCode.PERMISSION_DENIED, "No paid lines of yours in this order.")
        if any(item.seller_id != seller_pk for item in items):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "Sellers may cancel only their own lines.")
        return items
    raise DomainError(ErrorCode.PERMISSION_DENIED)


def _cancellation_open(
    payment: Payment,
    *,
    amount: int,
    tax_free: int,
    actor: Actor,
    reason: str,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    items: list[OrderItem] | None = None,
    refund: RefundAccount | None = None,
    from_status: str = "",
) -> Cancellation:
    """Persist the intent (and its cancel_id) before the PG hears of it. Caller holds the locks.

    The caller sends it right after committing, so it starts out claimed by that caller.
    """
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=amount,
        tax_free_amount=tax_free,
        reason=reason[:200],
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        requested_by=actor.user,
        refund_account=refund.as_payload() if refund else {},
        attempt_started_at=timezone.now(),
    )
    if items:
        cancellation.items.set(items)
    _event_append(
        payment,
        kind=Kind.CANCEL_REQUESTED,
        actor=actor,
        from_status=from_status or payment.status,
        data={
            "cancel_id": cancellation.cancel_id,
            "amount": amount,
            "tax_free": tax_free,
            "items": [item.pk for item in items or []],
            "reason": reason[:200],
        },
    )
    return cancellation


def _cancellation_claim(cancellation: Cancellation) -> bool:
    """Take the right to talk to the PG about a requested cancellation; False while someone holds it."""
    now = timezone.now()
    claimed = (
        Cancellation.objects.filter(pk=cancellation.pk, state=Cancellation.State.REQUESTED)
        .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=now - _attempt_lease()))
        .update(attempt_started_at=now)
    )
    if claimed:
        cancellation.attempt_started_at = now
    return bool(claimed)


def _cancellation_release(cancellation: Cancellation) -> None:
    """Give a claim back (outcome still unknown), unless its lease ran out and someone else took it."""
    Cancellation.objects.filter(
        pk=cancellation.pk, attempt_started_at=cancellation.attempt_started_at
    ).update(attempt_started_at=None)
    cancellation.attempt_started_at = None


def _cancellation_replay(earlier: Cancellation, *, actor: Actor) -> Cancellation:
    """The outcome of the first request with this key; an unknown one is driven to its end first."""
    if earlier.state == Cancellation.State.REQUESTED:
        if _cancellation_claim(earlier):
            return _cancellation_execute(earlier, actor=actor, raise_on_failure=True)
        earlier.refresh_from_db()
        if earlier.state == Cancellation.State.REQUESTED:
            raise DomainError(ErrorCode.CANCEL_IN_PROGRESS, details={"cancel_id": earlier.cancel_id})
    # A definite refusal is answered again as one, except for a withdrawal of an approval nobody
    # confirmed: that payment already failed on our side and the first answer was a success.
    if earlier.state == Cancellation.State.FAILED and earlier.payment.status != Status.FAILED:
        raise DomainError(
            ErrorCode.GATEWAY_ERROR,
            details={"pg_code": earlier.error_code, "pg_message": earlier.pg_response.get("message", "")},
        )
    return earlier


def _cancellation_execute(
    cancellation: Cancellation, *, actor: Actor, raise_on_failure: bool, follow_up: bool = True
) -> Cancellation:
    """Send a claimed cancellation to the PG (first time or again: same cancel_id) and settle it.

    A refused withdrawal whose receipt shows money taken after all (an approval withdrawn while a
    confirm went through) is followed, once, by a refund of that money.
    """
    payment = cancellation.payment
    refund = RefundAccount(**cancellation.refund_account) if cancellation.refund_account else None
    try:
        receipt = bootpay.get_gateway().cancel(
            receipt_id=payment.receipt_id,
            cancel_id=cancellation.cancel_id,
            reason=cancellation.reason,
            amount=cancellation.amount,
            tax_free=cancellation.tax_free_amount,
            username=actor.user.get_username() if actor.user else actor.label,
            refund=refund,
        )
        outcome: Receipt | GatewayError = receipt
    except GatewayUnavailable as exc:
        return _cancellation_unknown(cancellation, exc, raise_on_failure=raise_on_failure)
    except GatewayError as exc:
        outcome = exc
    settled, refund_due = _cancellation_settle(cancellation_pk=cancellation.pk, outcome=outcome, actor=actor)
    if settled is None:  # refused as "already cancelled" but the receipt could not be read: unknown
        return _cancellation_unknown(
            cancellation,
            GatewayUnavailable("receipt lookup failed after RC_ALREADY_CANCELLED"),
            raise_on_failure=raise_on_failure,
        )
    if refund_due is not None and follow_up:
        _cancellation_execute(refund_due, actor=actor, raise_on_failure=False, follow_up=False)
    if raise_on_failure and settled.state == Cancellation.State.FAILED and isinstance(outcome, GatewayError):
        raise _gateway_failure(outcome) from outcome
    return settled


def _cancellation_unknown(
    cancellation: Cancellation, exc: GatewayUnavailable, *, raise_on_failure: bool
) -> Cancellation:
    # Outcome unknown: the PG may have cancelled. Stay `requested` (released for the next retry or
    # reconcile, which ask again with the same cancel_id); never guess.
    logger.warning("cancel %s outcome unknown: %s", cancellation.cancel_id, exc)
    _cancellation_release(cancellation)
    if raise_on_failure:
        raise _gateway_failure(exc) from exc
    return cancellation


def _cancellation_settle(
    *, cancellation_pk: int, outcome: Receipt | GatewayError, actor: Actor
) -> tuple[Cancellation | None, Cancellation | None]:
    """Record what the PG said about a requested cancellation. Settles once; later calls are no-ops.

    A refusal of a repeated cancel_id counts as success when the receipt shows it applied. Whatever
    the outcome, our cancelled totals then follow the receipt (a difference no cancellation in flight
    explains is booked as a Bootpay-side cancellation), so a later cancel is judged on true balances.
    Returns the settled cancellation (None, leaving it `requested`, when an "already cancelled"
    refusal cannot be read because the receipt could not be fetched) and the refund a failed payment
    still owes, to be sent after commit.
    """
    if isinstance(outcome, GatewayError):
        receipt = _lookup_or_none(Cancellation.objects.get(pk=cancellation_pk).payment.receipt_id)
        if receipt is None and outcome.code == ALREADY_CANCELLED:
            return None, None
    else:
        receipt = outcome
    refund_due = None
    with transaction.atomic():
        cancellation = Cancellation.objects.select_related("payment").get(pk=cancellation_pk)
        order = order_lock(order_pk=cancellation.payment.order_id)
        payment = _payment_lock(payment_pk=cancellation.payment_id)
        cancellation = Cancellation.objects.select_for_update(of=("self",)).get(pk=cancellation_pk)
        if cancellation.state != Cancellation.State.REQUESTED:
            return cancellation, None
        cancellation.attempt_started_at = None
        cancellation.completed_at = timezone.now()
        if isinstance(outcome, GatewayError) and not _refusal_already_applied(
            payment, cancellation, outcome, receipt
        ):
            cancellation.state = Cancellation.State.FAILED
            cancellation.error_code = outcome.code[:60]
            cancellation.pg_response = outcome.payload
            cancellation.save(
                update_fields=["state", "error_code", "pg_response", "completed_at", "attempt_started_at"]
            )
            _event_append(
                payment,
                kind=Kind.CANCEL_FAILED,
                actor=actor,
                from_status=payment.status,
                data={
                    "cancel_id": cancellation.cancel_id,
                    "pg_code": outcome.code,
                    "pg_message": outcome.message,
                },
            )
            if payment.status == Status.FAILED and payment.purchased_at is None and receipt is not None:
                # A withdrawal of money we never saw taken was refused: did a confirm slip through?
                refund_due = _failed_payment_refund(payment, receipt, actor)
        else:
            cancellation.state = Cancellation.State.SUCCEEDED
            cancellation.pg_response = receipt.raw if receipt else {}
            cancellation.save(update_fields=["state", "pg_response", "completed_at", "attempt_started_at"])
            _payment_apply_cancellation(
                payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCEL_SUCCEEDED
            )
        if receipt is not None:
            _record_external_cancellation(payment, order, receipt, actor)
    return cancellation, refund_due


ALREADY_CANCELLED = "RC_ALREADY_CANCELLED"


def _refusal_already_applied(
    payment: Payment, cancellation: Cancellation, refusal: GatewayError, receipt: Receipt | None
) -> bool:
    """Bootpay may refuse a repeated cancel_id (RC_ALREADY_CANCELLED) instead of replaying the first
    result; it also answers so once the payment is fully cancelled, whoever did it. The refusal means
    "applied" when the receipt holds cancelled money we have not booked that covers this cancellation,
    its taxable and its tax-free part each; Bootpay keeps no per-cancel_id detail to tell more."""
    if receipt is None or refusal.code != ALREADY_CANCELLED:
        return False
    unbooked_tax_free = receipt.cancelled_tax_free - payment.cancelled_tax_free_amount
    unbooked_taxable = (receipt.cancelled_price - payment.cancelled_amount) - unbooked_tax_free
    return (
        unbooked_tax_free >= cancellation.tax_free_amount
        and unbooked_taxable >= cancellation.amount - cancellation.tax_free_amount
    )


def _payment_apply_cancellation(
    payment: Payment,
    order: Order,
    cancellation: Cancellation,
    receipt: Receipt | None,
    *,
    actor: Actor,
    kind: str,
) -> None:
    """Book a succeeded cancellation (money, lines, order) and append its event. Caller holds the locks."""
    before = payment.status
    _payment_book_cancellation(payment, order, cancellation, receipt)
    _event_append(
        payment,
        kind=kind,
        actor=actor,
        from_status=before,
        receipt=receipt,
        data={"cancel_id": cancellation.cancel_id, "amount": cancellation.amount},
    )


def _payment_book_cancellation(
    payment: Payment, order: Order, cancellation: Cancellation, receipt: Receipt | None
) -> None:
    payment.cancelled_amount += cancellation.amount
    payment.cancelled_tax_free_amount += cancellation.tax_free_amount
    if payment.status == Status.AWAITING_DEPOSIT:  # a virtual account withdrawn before any deposit
        payment.status = Status.FAILED
    elif payment.status != Status.FAILED:
        payment.status = (
            Status.CANCELLED if payment.cancelled_amount >= payment.amount else Status.PARTIALLY_CANCELLED
        )
    if receipt is not None:
        payment.raw_receipt = receipt.raw
    payment.save()
    if payment.status == Status.FAILED:
        return  # a refund of a rejected charge or a withdrawn virtual account: the order was never paid

    lines = list(cancellation.items.all())
    if payment.status == Status.CANCELLED:
        lines = list(order.items.filter(status=OrderItem.Status.PAID))
    refunded = [line for line in lines if line.status == OrderItem.Status.PAID]
    if refunded:
        OrderItem.objects.filter(pk__in=[line.pk for line in refunded]).update(
            status=OrderItem.Status.REFUNDED
        )
        # Goods that never left the warehouse go back on sale.
        order_items_release_stock(items=[line for line in refunded if not line.shipped])
    order.status = (
        Order.Status.REFUNDED if payment.status == Status.CANCELLED else Order.Status.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["status", "updated_at"])


# --- Reconcile -------------------------------------------------------------------------------------


def payment_reconcile(*, older_than_minutes: int = 10, actor_label: str = "reconcile") -> dict[str, int]:
    """Re-check unsettled payments and cancellations against the PG and fix our records.

    Payments still `ready`/`awaiting_*` and cancellations left `requested` (timeouts, crashes) older
    than the cut-off are looked up; a requested cancel is sent again with the same cancel_id, which
    the PG deduplicates (by replaying its result or refusing the repeat). Each payment whose cancels
    were settled is then re-synced from a fresh receipt, so our cancelled totals and tax-free parts
    end equal to Bootpay's whatever it answered. Safe on several workers: a cancellation another
    request is sending right now is skipped.
    """
    actor = Actor(label=actor_label)
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    counts = {"payments_checked": 0, "cancellations_checked": 0, "unreachable": 0, "in_progress": 0}
    stale_payments = Payment.objects.filter(
        status__in=[Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT], updated_at__lte=cutoff
    ).values_list("receipt_id", flat=True)
    # A failed payment whose refund or withdrawal Bootpay refused lately may still hold money (an
    # approval confirmed while being withdrawn): its sync sends the refund again.
    refused_lately = (
        Payment.objects.filter(
            status=Status.FAILED,
            cancellations__state=Cancellation.State.FAILED,
            cancellations__completed_at__lte=cutoff,
            cancellations__completed_at__gte=cutoff - timedelta(days=1),
        )
        .exclude(cancellations__state=Cancellation.State.REQUESTED)
        .values_list("receipt_id", flat=True)
        .distinct()
    )
    for receipt_id in [*stale_payments, *refused_lately]:
        receipt = _lookup_or_none(receipt_id)
        if receipt is None:
            counts["unreachable"] += 1
            continue
        payment_sync_from_receipt(receipt=receipt, actor=actor)
        counts["payments_checked"] += 1

    stale_cancellations = Cancellation.objects.filter(
        state=Cancellation.State.REQUESTED, created_at__lte=cutoff
    ).order_by("payment_id", "created_at", "pk")
    settled_payments: dict[int, str] = {}
    for cancellation in stale_cancellations.select_related("payment"):
        if not _cancellation_claim(cancellation):
            counts["in_progress"] += 1
            continue
        # Asking again with the same cancel_id is safe (the PG deduplicates it) and, unlike comparing
        # totals, tells which of several in-flight cancellations went through.
        counts["cancellations_checked"] += 1
        settled = _cancellation_execute(cancellation, actor=actor, raise_on_failure=False)
        if settled.state == Cancellation.State.REQUESTED:
            counts["unreachable"] += 1
        else:
            settled_payments[cancellation.payment_id] = cancellation.payment.receipt_id
    for receipt_id in settled_payments.values():
        if (receipt := _lookup_or_none(receipt_id)) is not None:
            payment_sync_from_receipt(receipt=receipt, actor=actor)
    return counts
