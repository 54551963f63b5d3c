"""Every money rule, once: verify, confirm, cancel, sync from Bootpay's truth, reconcile.

REST views, GraphQL mutations, webhooks and management commands all call these functions.
Money state changes only inside `transaction.atomic()` on rows locked with `select_for_update`,
in the fixed order order → payment → cancellation. Network calls to Bootpay happen outside open
transactions: we commit our intent (a `Cancellation` with its `cancel_id`, a failed `Payment`
holding the evidence), call the gateway, then lock again and apply what it answered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
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
    we asked for and have not settled yet is left to `cancellation_settle`. Appends an event only
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

        if payment.status in (Status.PAID, Status.PARTIALLY_CANCELLED):
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
    in_flight = payment.cancellations.filter(state=Cancellation.State.REQUESTED).exists()
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
    unexplained = receipt.cancelled_price - payment.cancelled_amount - _in_flight_amount(payment)
    if unexplained <= 0:
        return  # our own requested cancel(s) explain it; cancellation_settle records them
    tax_free = max(0, min(receipt.cancelled_tax_free - payment.cancelled_tax_free_amount, unexplained))
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=unexplained,
        tax_free_amount=min(tax_free, payment.tax_free_amount - payment.cancelled_tax_free_amount),
        reason="Bootpay에서 취소됨",
        state=Cancellation.State.SUCCEEDED,
        pg_response=receipt.raw,
        completed_at=timezone.now(),
    )
    _payment_apply_cancellation(payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCELLED_AT_PG)


# --- Cancel ----------------------------------------------------------------------------------------


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
    the buyer (whole lines not yet shipped, or the whole remainder when nothing shipped). An unpaid
    virtual account is withdrawn whole (buyer or staff) and the order stays open for another payment.
    Raises validation_error, permission_denied, payment_not_cancellable, cancel_exceeds_balance,
    gateway_unavailable (the cancellation stays `requested`: reconcile settles it, never a guess),
    gateway_error (definite refusal: the cancellation is `failed`). A retry with the same key returns
    the first cancellation and never reaches the PG twice.
    """
    who = Actor.of(actor)
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 1):
        raise DomainError.invalid("amount", "must be a whole number of won, at least 1")
    with transaction.atomic():
        payment = Payment.objects.get(pk=payment_pk)
        order = order_lock(order_pk=payment.order_id)
        payment = _payment_lock(payment_pk=payment_pk)
        if idempotency_key and (
            earlier := payment.cancellations.filter(idempotency_key=idempotency_key).first()
        ):
            if earlier.requested_by_id != getattr(who.user, "pk", None):
                raise DomainError.invalid("Idempotency-Key", "already used by someone else for this payment")
            return earlier  # a retry gets the first outcome; the PG is never asked twice
        if payment.status == Status.AWAITING_DEPOSIT:
            items, wanted, wanted_tax_free = _vbank_withdrawal(
                payment, order, who, amount, item_ids, tax_free_amount
            )
        elif payment.status not in (Status.PAID, Status.PARTIALLY_CANCELLED):
            code = ErrorCode.CANCEL_EXCEEDS_BALANCE if payment.status == Status.CANCELLED else None
            raise DomainError(code or ErrorCode.PAYMENT_NOT_CANCELLABLE, details={"status": payment.status})
        else:
            items = _cancel_items(order, item_ids)
            items, wanted, wanted_tax_free = _cancel_amounts(
                payment, order, items, who, amount, tax_free_amount
            )
        cancellation = _cancellation_open(
            payment,
            amount=wanted,
            tax_free=wanted_tax_free,
            actor=who,
            reason=reason,
            idempotency_key=idempotency_key,
            items=items,
            refund=refund,
        )
    return _cancellation_execute(cancellation, actor=who, raise_on_failure=True)


def _vbank_withdrawal(
    payment: Payment,
    order: Order,
    who: Actor,
    amount: int | None,
    item_ids: Iterable[int] | None,
    tax_free_amount: int | None,
) -> tuple[list[OrderItem], int, int]:
    """A virtual account nobody has paid into yet is withdrawn whole, by its buyer or staff, so the
    order can be paid another way. No money moves; the payment ends `failed` and the order stays open."""
    user = who.user
    if user is None or not (user.is_staff or order.buyer_id == user.pk):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if amount is not None or item_ids is not None or tax_free_amount is not None:
        raise DomainError.invalid("amount", "an unpaid virtual account is withdrawn whole: leave amount out")
    if _in_flight_amount(payment):
        raise DomainError(ErrorCode.CANCEL_EXCEEDS_BALANCE, details={"balance": 0})
    return [], payment.amount, payment.tax_free_amount


def _in_flight_amount(payment: Payment) -> int:
    total = payment.cancellations.filter(state=Cancellation.State.REQUESTED).aggregate(total=Sum("amount"))
    return total["total"] or 0


def _cancel_items(order: Order, item_ids: Iterable[int] | None) -> list[OrderItem]:
    if item_ids is None:
        return []
    wanted = set(item_ids)
    if not wanted:
        raise DomainError.invalid("items", "name at least one order line, or leave items out")
    items = list(order.items.filter(pk__in=wanted).order_by("pk"))
    if {item.pk for item in items} != wanted:
        raise DomainError.invalid("items", "every line must belong to this order")
    if not_paid := [item.pk for item in items if item.status != OrderItem.Status.PAID]:
        raise DomainError.invalid("items", f"lines already refunded or not paid: {not_paid}")
    return items


def _cancel_amounts(
    payment: Payment,
    order: Order,
    items: list[OrderItem],
    who: Actor,
    amount: int | None,
    tax_free_amount: int | None,
) -> tuple[list[OrderItem], int, int]:
    """Which lines, how much and its tax-free part, after checking what this actor may cancel."""
    user = who.user
    role = user_role(user) if user is not None else Role.ANONYMOUS
    if role != Role.STAFF:
        items = _cancel_items_allowed(order, items, user, role, amount, tax_free_amount)

    # Still-`requested` cancels may have gone through at the PG: they count as spent.
    in_flight = payment.cancellations.filter(state=Cancellation.State.REQUESTED).aggregate(
        amount=Coalesce(Sum("amount"), 0), tax_free=Coalesce(Sum("tax_free_amount"), 0)
    )
    remaining = payment.cancellable_amount() - in_flight["amount"]
    remaining_tax_free = payment.tax_free_amount - payment.cancelled_tax_free_amount - in_flight["tax_free"]
    if items:
        wanted = sum(item.line_total for item in items)
        if amount is not None and amount != wanted:
            raise DomainError.invalid("amount", f"must equal the lines' total ({wanted}) or be left out")
    else:
        wanted = remaining if amount is None else amount
    if wanted < 1 or wanted > remaining:
        raise DomainError(
            ErrorCode.CANCEL_EXCEEDS_BALANCE, details={"balance": remaining, "requested": wanted}
        )
    if items:
        return (
            items,
            wanted,
            min(sum(item.line_total for item in items if item.is_tax_free), remaining_tax_free),
        )
    if tax_free_amount is None:
        # Taxable money goes back first; whatever exceeds the taxable remainder must be tax-free.
        tax_free = max(0, wanted - (remaining - remaining_tax_free))
    else:
        tax_free = tax_free_amount
    if not 0 <= tax_free <= min(wanted, remaining_tax_free):
        raise DomainError.invalid(
            "tax_free_amount", f"must be between 0 and {min(wanted, remaining_tax_free)}"
        )
    return items, wanted, tax_free


def _cancel_items_allowed(
    order: Order,
    items: list[OrderItem],
    user: AbstractBaseUser | None,
    role: Role,
    amount: int | None,
    tax_free_amount: int | None,
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
            items = list(order.items.filter(seller_id=seller_pk, status=OrderItem.Status.PAID).order_by("pk"))
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
    items: list[OrderItem] | None = None,
    refund: RefundAccount | None = None,
) -> Cancellation:
    """Persist the intent (and its cancel_id) before the PG hears of it. Caller holds the locks."""
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=amount,
        tax_free_amount=tax_free,
        reason=reason[:200],
        idempotency_key=idempotency_key or None,
        requested_by=actor.user,
        refund_account=refund.as_payload() if refund else {},
    )
    if items:
        cancellation.items.set(items)
    _event_append(
        payment,
        kind=Kind.CANCEL_REQUESTED,
        actor=actor,
        from_status=payment.status,
        data={
            "cancel_id": cancellation.cancel_id,
            "amount": amount,
            "tax_free": tax_free,
            "items": [item.pk for item in items or []],
            "reason": reason[:200],
        },
    )
    return cancellation


def _cancellation_execute(
    cancellation: Cancellation, *, actor: Actor, raise_on_failure: bool
) -> Cancellation:
    """Send a committed cancellation to the PG (first time or again: same cancel_id) and settle it."""
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
    except GatewayUnavailable as exc:
        # Outcome unknown: the PG may have cancelled. Stay `requested`; reconcile asks again later.
        logger.warning("cancel %s outcome unknown: %s", cancellation.cancel_id, exc)
        if raise_on_failure:
            raise _gateway_failure(exc) from exc
        return cancellation
    except GatewayError as exc:
        settled = cancellation_settle(cancellation_pk=cancellation.pk, outcome=exc, actor=actor)
        if raise_on_failure and settled.state == Cancellation.State.FAILED:
            raise _gateway_failure(exc) from exc
        return settled
    return cancellation_settle(cancellation_pk=cancellation.pk, outcome=receipt, actor=actor)


def cancellation_settle(
    *, cancellation_pk: int, outcome: Receipt | GatewayError, actor: Actor
) -> Cancellation:
    """Record what the PG said about a requested cancellation. Settles once; later calls are no-ops.

    A refusal of a repeated cancel_id that the receipt shows as applied counts as success.
    """
    if isinstance(outcome, GatewayError):
        receipt = _lookup_or_none(Cancellation.objects.get(pk=cancellation_pk).payment.receipt_id)
    else:
        receipt = outcome
    with transaction.atomic():
        cancellation = Cancellation.objects.select_related("payment").get(pk=cancellation_pk)
        order = order_lock(order_pk=cancellation.payment.order_id)
        payment = _payment_lock(payment_pk=cancellation.payment_id)
        cancellation = Cancellation.objects.select_for_update(of=("self",)).get(pk=cancellation_pk)
        if cancellation.state != Cancellation.State.REQUESTED:
            return cancellation
        if isinstance(outcome, GatewayError) and not _refusal_already_applied(payment, outcome, receipt):
            cancellation.state = Cancellation.State.FAILED
            cancellation.error_code = outcome.code[:60]
            cancellation.pg_response = outcome.payload
            cancellation.completed_at = timezone.now()
            cancellation.save(update_fields=["state", "error_code", "pg_response", "completed_at"])
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
            return cancellation
        cancellation.state = Cancellation.State.SUCCEEDED
        cancellation.pg_response = receipt.raw if receipt else {}
        cancellation.completed_at = timezone.now()
        cancellation.save(update_fields=["state", "pg_response", "completed_at"])
        _payment_apply_cancellation(
            payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCEL_SUCCEEDED
        )
    return cancellation


def _refusal_already_applied(payment: Payment, refusal: GatewayError, receipt: Receipt | None) -> bool:
    """Bootpay may refuse a repeated cancel_id instead of replaying the first result. The refusal then
    means "done before" only if the receipt shows every cancel we have in flight as applied; Bootpay's
    receipt has no per-cancel_id detail, so anything less counts as a real refusal."""
    if receipt is None or refusal.code != "RC_ALREADY_CANCELLED":
        return False
    return receipt.cancelled_price >= payment.cancelled_amount + _in_flight_amount(payment)


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
    than the cut-off are looked up; a requested cancel the receipt does not show is sent again with
    the same cancel_id, which the PG deduplicates.
    """
    actor = Actor(label=actor_label)
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    counts = {"payments_checked": 0, "cancellations_checked": 0, "unreachable": 0}
    stale_payments = Payment.objects.filter(
        status__in=[Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT], updated_at__lte=cutoff
    ).values_list("receipt_id", flat=True)
    for receipt_id in list(stale_payments):
        receipt = _lookup_or_none(receipt_id)
        if receipt is None:
            counts["unreachable"] += 1
            continue
        payment_sync_from_receipt(receipt=receipt, actor=actor)
        counts["payments_checked"] += 1

    stale_cancellations = Cancellation.objects.filter(
        state=Cancellation.State.REQUESTED, created_at__lte=cutoff
    ).order_by("payment_id", "created_at", "pk")
    for cancellation in stale_cancellations.select_related("payment"):
        # Asking again with the same cancel_id is safe (the PG deduplicates it) and, unlike comparing
        # totals, tells which of several in-flight cancellations went through.
        counts["cancellations_checked"] += 1
        settled = _cancellation_execute(cancellation, actor=actor, raise_on_failure=False)
        if settled.state == Cancellation.State.REQUESTED:
            counts["unreachable"] += 1
    return counts
