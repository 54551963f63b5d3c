"""Cancel: a person (staff, seller, buyer) gives money back, or withdraws a payment that took none.

Also what an order being abandoned unpaid asks of its payment (`payment_release_for_closing_order`,
connected to `orders.services.unpaid_order_closing` in `PaymentsConfig.ready`): orders never import
payments; payments, which builds on orders, answers orders' hook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Seller
from orders.selectors import Role, user_role
from orders.services import order_lock
from payments.gateway import Gateway, RefundAccount
from payments.metrics import outcome_counted
from payments.models import Cancellation, Payment
from payments.pg_rules import PG_RULE_CODES, PaymentActions
from payments.selectors import order_live_payment, payment_actions, payment_line_ids_in_flight
from payments.services.common import (
    Actor,
    Money,
    Status,
    cancel_balance,
    gateway_or_default,
    in_flight,
    payment_lock,
)
from payments.services.settle import (
    cancellation_claim,
    cancellation_execute,
    cancellation_open,
    cancellation_send,
)

IDEMPOTENCY_KEY_MAX = 100
REASON_MAX = 200  # Cancellation.reason's column


def _cancel_fingerprint(**request: Any) -> str:
    """The IETF Idempotency-Key draft's request fingerprint: a digest of what the caller asked for."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _check_cancel_input(
    *,
    reason: Any,
    amount: Any,
    tax_free_amount: Any,
    idempotency_key: Any,
    refund: RefundAccount | None,
) -> None:
    """The shape of a cancel request, for every adapter (REST, GraphQL, admin): validation_error."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise DomainError.invalid("reason", f"1 to {REASON_MAX} characters")
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX
    ):
        # Named as the IETF draft and the REST header name it (the service's other key error does too).
        raise DomainError.invalid("Idempotency-Key", f"1 to {IDEMPOTENCY_KEY_MAX} characters")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 1):
        raise DomainError.invalid("amount", "must be a whole number of won, at least 1")
    if tax_free_amount is not None and (
        isinstance(tax_free_amount, bool) or not isinstance(tax_free_amount, int) or tax_free_amount < 0
    ):
        raise DomainError.invalid("tax_free_amount", "must be a whole number of won, at least 0")
    if refund is not None and (problems := refund.problems()):
        raise DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": problems})


@outcome_counted("cancel")
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
    gateway: Gateway | None = None,
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
    Raises validation_error (also for a `reason` blank or over 200 characters and an
    `idempotency_key` over 100), permission_denied, payment_not_cancellable, cancel_exceeds_balance,
    cancel_in_progress, idempotency_key_reused (the key came with a different request),
    gateway_unavailable (the cancellation stays `requested`), gateway_error (definite refusal: `failed`).
    A retry with the same key and request returns the first outcome; if that outcome was unknown, it
    asks Bootpay again with the same cancel_id and answers with what Bootpay settles.
    """
    who = Actor.of(actor)
    _check_cancel_input(
        reason=reason,
        amount=amount,
        tax_free_amount=tax_free_amount,
        idempotency_key=idempotency_key,
        refund=refund,
    )
    gateway = gateway_or_default(gateway)
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
        payment = payment_lock(payment_pk=payment_pk)
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
            cancellation = cancellation_open(
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
        return _cancellation_replay(earlier, actor=who, gateway=gateway)
    # An unconfirmed approval is already withdrawn on our side: Bootpay refusing to void it is no error.
    withdrawn = payment.status == Status.FAILED
    return cancellation_execute(cancellation, actor=who, gateway=gateway, raise_on_failure=not withdrawn)


def _cancellation_replay(earlier: Cancellation, *, actor: Actor, gateway: Gateway) -> Cancellation:
    """The outcome of the first request with this key; an unknown one is driven to its end first."""
    if earlier.state == Cancellation.State.REQUESTED:
        if cancellation_claim(earlier):
            return cancellation_execute(earlier, actor=actor, gateway=gateway, raise_on_failure=True)
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
        if in_flight(payment).amount:
            raise DomainError(ErrorCode.CANCEL_IN_PROGRESS, details={"balance": 0})
        return [], Money(amount=payment.amount, tax_free=payment.tax_free_amount)
    if payment.status not in (Status.PAID, Status.PARTIALLY_CANCELLED):
        code = ErrorCode.CANCEL_EXCEEDS_BALANCE if payment.status == Status.CANCELLED else None
        raise DomainError(code or ErrorCode.PAYMENT_NOT_CANCELLABLE, details={"status": payment.status})
    balance = cancel_balance(payment)
    actions = payment_actions(payment, balance=balance.amount)
    _refuse_unless(actions, "cancel")
    if actions.refund_account_required and refund is None:
        # Deposited money goes back by bank transfer; Bootpay refuses without a target account.
        raise DomainError.invalid("refund", "a deposited virtual account is refunded to a bank account")
    in_flight_lines = set(payment_line_ids_in_flight(payment))
    items = _cancel_items(order, item_ids, in_flight_lines)
    user = who.user
    role = user_role(user) if user is not None else Role.ANONYMOUS
    if role != Role.STAFF:
        items = _cancel_items_allowed(order, items, user, role, amount, tax_free_amount, in_flight_lines)
    wanted = _cancel_split(balance, items, amount, tax_free_amount)
    if wanted.amount < payment.amount:  # anything short of the whole payment is a partial cancel at the PG
        _refuse_unless(actions, "line_cancel" if items else "partial_cancel")
    return items, wanted


def _refuse_unless(actions: PaymentActions, action: str) -> None:
    """What the PG would refuse is refused here, with its code and what to do instead, before Bootpay.
    A payment's own state (nothing left, lines in flight) keeps the refusals the checks around it give."""
    refusal = actions.refusal(action)
    if refusal is not None and refusal.code in PG_RULE_CODES:
        raise DomainError(ErrorCode(refusal.code), refusal.message, details={"action": action})


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
    """Give up a payment that took no money: an approval nobody confirmed (Bootpay status 2) or, when
    the system gives its order up, a virtual account nobody paid into (status 5). The payment fails here
    at once (confirm and deposit find it failed from now on); the caller then tells Bootpay to void it.
    Should Bootpay take the money anyway (a confirm or a deposit that won the race), the failed payment's
    refund rule gives it back, or the reconciliation reports it. Caller holds the locks."""
    before = payment.status
    payment.status = Status.FAILED
    payment.save(update_fields=["status", "updated_at"])
    return cancellation_open(
        payment,
        amount=payment.amount,
        tax_free=payment.tax_free_amount,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        from_status=before,
    )


# --- An order abandoned unpaid (orders' hook) ------------------------------------------------------


def payment_withdraw_unconfirmed(
    *, order: Order, actor: AbstractBaseUser | None, label: str, withdraw_deposit: bool = False
) -> Cancellation | None:
    """The order is being abandoned (buyer's cancel, expiry): withdraw its unconfirmed approval, if any;
    with `withdraw_deposit` (the system gives the order up: a subscription period nobody will pay for)
    also a virtual account awaiting its deposit, so no deposit can pay an order nobody wants.

    The caller holds the order's lock and sends the returned withdrawal with `cancellation_send`
    after committing. Raises order_not_payable when another kind of payment is under way (the
    "order has a live payment" guard: a virtual account awaiting deposit, or money taken).
    """
    live = order_live_payment(order=order)
    if live is None:
        return None
    payment = payment_lock(payment_pk=live.pk)
    withdrawable = (
        (Status.AWAITING_CONFIRM, Status.AWAITING_DEPOSIT) if withdraw_deposit else (Status.AWAITING_CONFIRM,)
    )
    if payment.status not in withdrawable:
        raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"payment_status": payment.status})
    what = "가상계좌" if payment.status == Status.AWAITING_DEPOSIT else "승인 대기 결제"
    why = "결제 기한 만료로" if label == "expiry" else "주문 취소로"
    return _unconfirmed_withdraw(payment, actor=Actor.of(actor, label), reason=f"{why} {what} 철회")


def payment_release_for_closing_order(
    sender: object = None,
    *,
    order: Order,
    actor: AbstractBaseUser | None,
    label: str,
    withdraw_deposit: bool = False,
    **_: Any,
) -> Callable[[], object] | None:
    """Receiver of `orders.services.unpaid_order_closing`: withdraw the order's unconfirmed approval
    (and, with `withdraw_deposit`, its unpaid virtual account) under the caller's order lock and return
    what tells Bootpay after commit; order_not_payable refuses the close while another payment is under
    way."""
    withdrawal = payment_withdraw_unconfirmed(
        order=order, actor=actor, label=label, withdraw_deposit=withdraw_deposit
    )
    if withdrawal is None:
        return None
    return lambda: cancellation_send(cancellation=withdrawal, label=label)


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
