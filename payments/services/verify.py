"""Verify (bind a Bootpay receipt to the buyer's order) and confirm (approve a separate approval)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from config.errors import DomainError, ErrorCode
from orders.models import Order
from orders.selectors import Role, user_role
from orders.services import order_lock
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, Receipt, ReceiptStatus
from payments.metrics import outcome_counted
from payments.models import Cancellation, Payment
from payments.selectors import order_live_payment
from payments.services.common import (
    Actor,
    Kind,
    Status,
    amount_problems,
    check_receipt_id,
    event_append,
    gateway_failure,
    gateway_or_default,
    logger,
    lookup_or_none,
    order_mark_paid,
    payment_lock,
    payment_refused,
    receipt_fields,
    status_for_receipt,
)
from payments.services.settle import cancellation_execute, cancellation_open
from payments.services.sync import payment_sync_from_receipt

_PAYABLE_RECEIPT_STATUSES = (Status.READY, Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT, Status.PAID)


# --- Verify ----------------------------------------------------------------------------------------


@outcome_counted("verify")
def payment_verify(
    *, order_id: str, receipt_id: str, actor: AbstractBaseUser | None, gateway: Gateway | None = None
) -> Payment:
    """Bind a Bootpay receipt to the caller's order after checking it against our own records.

    Accepted only when the receipt names this order and its price, tax-free part and currency equal
    ours. Raises validation_error (`receipt_id` not of Bootpay's shape, or unknown to Bootpay),
    order_not_found, receipt_already_used, receipt_order_mismatch (both leave the
    receipt untouched at the PG: it may pay someone else's order), amount_mismatch and
    order_not_payable (both cancel the charge at the PG so the buyer is not charged for nothing),
    gateway_unavailable, gateway_error. Retrying with the same pair returns the same payment.
    """
    check_receipt_id(receipt_id)
    order = _order_for_verify(order_id=order_id, user=actor)
    if existing := Payment.objects.filter(receipt_id=receipt_id).first():
        return _existing_binding(existing, order)
    gateway = gateway_or_default(gateway)
    try:
        receipt = gateway.lookup_receipt(receipt_id)
    except GatewayError as exc:
        if exc.code == "RC_NOT_FOUND":
            raise DomainError.invalid("receipt_id", "Bootpay knows no such receipt") from exc
        raise gateway_failure(exc) from exc
    except GatewayUnavailable as exc:
        raise gateway_failure(exc) from exc
    return payment_bind_receipt(order_pk=order.pk, receipt=receipt, actor=Actor.of(actor), gateway=gateway)


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


def payment_bind_receipt(
    *, order_pk: int, receipt: Receipt, actor: Actor, gateway: Gateway | None = None
) -> Payment:
    """Apply a freshly fetched receipt to an order that has no payment for it yet.

    Shared by verify (the buyer's browser) and the webhook (Bootpay's notice), which may race: both
    lock the order row first, so exactly one creates the payment and the others see it.
    """
    gateway = gateway_or_default(gateway)
    refund: Cancellation | None = None
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        existing = Payment.objects.filter(receipt_id=receipt.receipt_id).first()
        if existing is None:
            payment, error, refund = _payment_open(order, receipt, actor)
    if existing is not None:  # lost the race: just make sure it reflects this receipt
        _existing_binding(existing, order)
        return payment_sync_from_receipt(receipt=receipt, actor=actor, gateway=gateway)
    if refund is not None:  # intent committed above; now the PG call, then settle
        cancellation_execute(refund, actor=actor, gateway=gateway, raise_on_failure=False)
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

    status = status_for_receipt(receipt)
    if status not in _PAYABLE_RECEIPT_STATUSES:  # failed, or cancelled before we ever saw it
        payment = _payment_reject(
            order, receipt, actor, {"code": ErrorCode.PAYMENT_FAILED, "receipt_status": receipt.status}
        )
        payment_refused.send(sender=Payment, order=order, payment=payment, code=ErrorCode.PAYMENT_FAILED)
        return payment, _rejection(payment), None

    problems = amount_problems(order, receipt)
    other_live = order_live_payment(order=order) is not None
    if not problems and order.is_payable and not other_live:
        payment = _payment_create(order, receipt, status)
        event_append(payment, kind=Kind.VERIFIED, actor=actor, receipt=receipt)
        if status == Status.PAID:
            order_mark_paid(order)
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
        refund = cancellation_open(
            payment,
            amount=receipt.remaining_price,
            tax_free=receipt.tax_free - receipt.cancelled_tax_free,
            actor=actor,
            reason="결제 검증 실패로 자동 취소 (amount mismatch)"
            if problems
            else "결제 검증 실패로 자동 취소 (order not payable)",
        )
    payment_refused.send(sender=Payment, order=order, payment=payment, code=code)
    details = {"payment_id": payment.public_id} | ({"problems": problems} if problems else {})
    return payment, DomainError(code, details=details), refund


def _payment_reject(order: Order, receipt: Receipt, actor: Actor, evidence: dict[str, Any]) -> Payment:
    """Record a receipt we refuse as a failed payment, keeping the evidence (and binding the receipt)."""
    payment = _payment_create(order, receipt, Status.FAILED)
    event_append(payment, kind=Kind.VERIFY_REJECTED, actor=actor, receipt=receipt, data=evidence)
    return payment


def _payment_create(order: Order, receipt: Receipt, status: str) -> Payment:
    try:
        with transaction.atomic():  # savepoint: the unique receipt is the last line of defence
            return Payment.objects.create(
                order=order,
                buyer_id=order.buyer_id,
                receipt_id=receipt.receipt_id,
                status=status,
                amount=receipt.price,
                tax_free_amount=min(receipt.tax_free, receipt.price),
                **receipt_fields(receipt, status=status),
            )
    except IntegrityError as exc:
        raise DomainError(ErrorCode.RECEIPT_ALREADY_USED) from exc


# --- Confirm (separate approval) -------------------------------------------------------------------


def payment_confirm(
    *, payment_pk: int, actor: AbstractBaseUser | None, gateway: Gateway | None = None
) -> Payment:
    """Approve a separately-confirmed payment (Bootpay status 2) after re-checking the order.

    Raises payment_not_confirmable, amount_mismatch / order_not_payable (nothing is approved),
    gateway_unavailable (outcome unknown: stays awaiting_confirm for reconcile), gateway_error.
    Safe to retry: a second confirm finds the payment paid and returns it.
    """
    who = Actor.of(actor)
    gateway = gateway_or_default(gateway)
    with transaction.atomic():
        payment = Payment.objects.select_related("order").get(pk=payment_pk)
        order = order_lock(order_pk=payment.order_id)
        payment = payment_lock(payment_pk=payment_pk)
        if payment.status == Status.PAID:
            return payment
        if payment.status != Status.AWAITING_CONFIRM:
            raise DomainError(ErrorCode.PAYMENT_NOT_CONFIRMABLE, details={"status": payment.status})
        if payment.amount != order.total_amount or payment.tax_free_amount != order.tax_free_amount:
            raise DomainError(ErrorCode.AMOUNT_MISMATCH)
        if not order.is_payable:
            raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"order_status": order.status})
    try:
        receipt = gateway.confirm(payment.receipt_id)
    except GatewayUnavailable as exc:
        raise gateway_failure(exc) from exc
    except GatewayError as exc:
        # Already confirmed by a concurrent call (or by Bootpay itself)? The receipt tells.
        receipt = lookup_or_none(payment.receipt_id, gateway=gateway)
        if receipt is None or receipt.status != ReceiptStatus.PAID:
            raise gateway_failure(exc) from exc
    payment = payment_sync_from_receipt(receipt=receipt, actor=who, gateway=gateway)
    if payment.status == Status.FAILED:
        raise _rejection(payment)
    return payment
