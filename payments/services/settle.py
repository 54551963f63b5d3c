"""A cancellation's life at the PG: opened (intent and cancel_id committed), claimed, sent, settled
and booked. Every path that gives money back ends here: a buyer's or seller's cancel, a refund of a
charge verify refused, a withdrawn approval, a cancel reconcile sends again, one made at Bootpay.
Each is charged to the sellers it refunds as it is opened (`CancellationShare`, docs/statements.md).

Lock order as everywhere: order, payment, cancellation. The PG is called with no transaction open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from orders.models import Order, OrderItem
from orders.services import order_items_release_stock, order_lock
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, Receipt, ReceiptStatus, RefundAccount
from payments.models import Cancellation, CancellationShare, Payment
from payments.services.common import (
    Actor,
    Kind,
    Status,
    attempt_lease,
    event_append,
    gateway_failure,
    gateway_or_default,
    in_flight,
    logger,
    lookup_or_none,
    payment_lock,
    payment_refunded,
)

ALREADY_CANCELLED = "RC_ALREADY_CANCELLED"

# A payment holding money: only its cancellations are charged to sellers (one that never sold has none).
_SHARED_STATUSES = (Status.PAID, Status.PARTIALLY_CANCELLED)


def cancellation_send(
    *, cancellation: Cancellation, label: str = "system", gateway: Gateway | None = None
) -> Cancellation:
    """Send a committed cancellation to Bootpay and settle it; an unknown outcome stays for reconcile."""
    return cancellation_execute(
        cancellation, actor=Actor(label=label), gateway=gateway_or_default(gateway), raise_on_failure=False
    )


def cancellation_open(
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

    The caller sends it right after committing, so it starts out claimed by that caller. `reason` is
    checked by the caller (`payment_cancel` for people; the automatic ones are ours and short).
    It is charged to the sellers at once, in the same transaction (`cancellation_shares_record`).
    """
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=amount,
        tax_free_amount=tax_free,
        reason=reason,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        requested_by=actor.user,
        refund_account=refund.as_payload() if refund else {},
        attempt_started_at=timezone.now(),
    )
    if items:
        cancellation.items.set(items)
    cancellation_shares_record(payment, cancellation, items=items)
    event_append(
        payment,
        kind=Kind.CANCEL_REQUESTED,
        actor=actor,
        from_status=from_status or payment.status,
        data={
            "cancel_id": cancellation.cancel_id,
            "amount": amount,
            "tax_free": tax_free,
            "items": [item.pk for item in items or []],
            "reason": reason,
        },
    )
    return cancellation


def cancellation_claim(cancellation: Cancellation) -> bool:
    """Take the right to talk to the PG about a requested cancellation; False while someone holds it."""
    now = timezone.now()
    claimed = (
        Cancellation.objects.filter(pk=cancellation.pk, state=Cancellation.State.REQUESTED)
        .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=now - attempt_lease()))
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


def cancellation_execute(
    cancellation: Cancellation,
    *,
    actor: Actor,
    gateway: Gateway,
    raise_on_failure: bool,
    follow_up: bool = True,
) -> Cancellation:
    """Send a claimed cancellation to the PG (first time or again: same cancel_id) and settle it.

    A refused withdrawal whose receipt shows money taken after all (an approval withdrawn while a
    confirm went through) is followed, once, by a refund of that money.
    """
    payment = cancellation.payment
    refund = RefundAccount(**cancellation.refund_account) if cancellation.refund_account else None
    try:
        receipt = gateway.cancel(
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
    settled, refund_due = _cancellation_settle(
        cancellation_pk=cancellation.pk, outcome=outcome, actor=actor, gateway=gateway
    )
    if settled is None:  # refused as "already cancelled" but the receipt could not be read: unknown
        return _cancellation_unknown(
            cancellation,
            GatewayUnavailable("receipt lookup failed after RC_ALREADY_CANCELLED"),
            raise_on_failure=raise_on_failure,
        )
    if refund_due is not None and follow_up:
        cancellation_execute(
            refund_due, actor=actor, gateway=gateway, raise_on_failure=False, follow_up=False
        )
    if raise_on_failure and settled.state == Cancellation.State.FAILED and isinstance(outcome, GatewayError):
        raise gateway_failure(outcome) from outcome
    return settled


def _cancellation_unknown(
    cancellation: Cancellation, exc: GatewayUnavailable, *, raise_on_failure: bool
) -> Cancellation:
    # Outcome unknown: the PG may have cancelled. Stay `requested` (released for the next retry or
    # reconcile, which ask again with the same cancel_id); never guess.
    logger.warning("cancel %s outcome unknown: %s", cancellation.cancel_id, exc)
    _cancellation_release(cancellation)
    if raise_on_failure:
        raise gateway_failure(exc) from exc
    return cancellation


def _cancellation_settle(
    *, cancellation_pk: int, outcome: Receipt | GatewayError, actor: Actor, gateway: Gateway
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
        receipt_id = Cancellation.objects.get(pk=cancellation_pk).payment.receipt_id
        receipt = lookup_or_none(receipt_id, gateway=gateway)
        if receipt is None and outcome.code == ALREADY_CANCELLED:
            return None, None
    else:
        receipt = outcome
    refund_due = None
    with transaction.atomic():
        cancellation = Cancellation.objects.select_related("payment").get(pk=cancellation_pk)
        order = order_lock(order_pk=cancellation.payment.order_id)
        payment = payment_lock(payment_pk=cancellation.payment_id)
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
            event_append(
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
                refund_due = failed_payment_refund(payment, receipt, actor)
        else:
            cancellation.state = Cancellation.State.SUCCEEDED
            cancellation.pg_response = receipt.raw if receipt else {}
            cancellation.save(update_fields=["state", "pg_response", "completed_at", "attempt_started_at"])
            payment_apply_cancellation(
                payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCEL_SUCCEEDED
            )
        if receipt is not None:
            record_external_cancellation(payment, order, receipt, actor)
    return cancellation, refund_due


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


def failed_payment_refund(payment: Payment, receipt: Receipt, actor: Actor) -> Cancellation | None:
    """A failed payment must hold no money: a refused charge whose refund the PG declined, or a receipt
    refused while unpaid (status 0) and paid afterwards. What the PG still holds for it goes back,
    unless a cancel of ours is already on its way. Caller holds the locks; returns the refund to send."""
    money_taken = receipt.purchased_at is not None and receipt.status in (
        ReceiptStatus.PAID,
        ReceiptStatus.CANCELLED,
    )
    sending = in_flight(payment).amount > 0
    amount = min(receipt.remaining_price, payment.amount - payment.cancelled_amount)
    if not money_taken or sending or amount < 1:
        return None
    tax_free_left = min(
        receipt.tax_free - receipt.cancelled_tax_free,
        payment.tax_free_amount - payment.cancelled_tax_free_amount,
    )
    return cancellation_open(
        payment,
        amount=amount,
        tax_free=max(0, min(tax_free_left, amount)),
        actor=actor,
        reason="실패 처리된 결제의 잔액 자동 취소",
    )


def record_external_cancellation(payment: Payment, order: Order, receipt: Receipt, actor: Actor) -> None:
    """Book what Bootpay shows as cancelled beyond our own cancellations (its admin, a cancel of ours
    it applied although we recorded a refusal), so our totals follow the receipt's. Caller holds the locks."""
    if payment.status not in (Status.PAID, Status.PARTIALLY_CANCELLED):
        return
    sending = in_flight(payment)
    unexplained = receipt.cancelled_price - payment.cancelled_amount - sending.amount
    unexplained = min(unexplained, payment.amount - payment.cancelled_amount)
    if unexplained <= 0:
        return  # our own requested cancel(s) explain it; _cancellation_settle records them
    tax_free_left = payment.tax_free_amount - payment.cancelled_tax_free_amount
    tax_free = receipt.cancelled_tax_free - payment.cancelled_tax_free_amount - sending.tax_free
    cancellation = Cancellation.objects.create(
        payment=payment,
        amount=unexplained,
        tax_free_amount=max(0, min(tax_free, unexplained, tax_free_left)),
        reason="Bootpay에서 취소됨",
        state=Cancellation.State.SUCCEEDED,
        pg_response=receipt.raw,
        completed_at=timezone.now(),
    )
    cancellation_shares_record(payment, cancellation)
    payment_apply_cancellation(payment, order, cancellation, receipt, actor=actor, kind=Kind.CANCELLED_AT_PG)


def payment_apply_cancellation(
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
    event_append(
        payment,
        kind=kind,
        actor=actor,
        from_status=before,
        receipt=receipt,
        data={"cancel_id": cancellation.cancel_id, "amount": cancellation.amount},
    )
    payment_refunded.send(sender=Payment, payment=payment, order=order, cancellation=cancellation)


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
        payment.escrow = payment.escrow or receipt.escrow
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


# --- Who a cancellation is charged to (the sellers' statements) ------------------------------------


def cancellation_shares_record(
    payment: Payment, cancellation: Cancellation, *, items: Iterable[OrderItem] | None = None
) -> list[CancellationShare]:
    """Charge a new cancellation to the sellers: the lines' sellers for a line refund, else pro rata
    over what each seller has left in the payment, taxable and tax-free money apart (largest
    remainder, ties to the lower seller id). Remaining = a seller's lines − its shares of the
    payment's cancellations that did not fail (those in flight count as spent, as in the balance).
    Nothing for a payment that never sold. Caller holds the order and payment locks and writes the
    cancellation in the same transaction."""
    if payment.status not in _SHARED_STATUSES:
        return []
    refunded = list(items or [])
    by_item_taxable, by_item_tax_free = Counter(), Counter()
    for item in refunded:
        (by_item_tax_free if item.is_tax_free else by_item_taxable)[item.seller_id] += item.line_total
    if refunded and (
        sum(by_item_taxable.values()) + sum(by_item_tax_free.values()) == cancellation.amount
        and sum(by_item_tax_free.values()) == cancellation.tax_free_amount
    ):
        taxable, tax_free = by_item_taxable, by_item_tax_free
    else:
        lines = (
            OrderItem.objects.filter(order_id=payment.order_id)
            .values("seller_id", "is_tax_free")
            .annotate(total=Sum(F("unit_price") * F("quantity")))
        )
        lines_taxable, lines_tax_free = Counter(), Counter()
        for row in lines:
            (lines_tax_free if row["is_tax_free"] else lines_taxable)[row["seller_id"]] += row["total"]
        spent = (
            CancellationShare.objects.filter(cancellation__payment_id=payment.pk)
            .exclude(cancellation__state=Cancellation.State.FAILED)
            .exclude(cancellation_id=cancellation.pk)
            .values("seller_id")
            .annotate(amount=Sum("amount"), tax_free=Sum("tax_free_amount"))
        )
        left_taxable, left_tax_free = Counter(lines_taxable), Counter(lines_tax_free)
        for row in spent:
            left_taxable[row["seller_id"]] -= row["amount"] - row["tax_free"]
            left_tax_free[row["seller_id"]] -= row["tax_free"]
        every_line = lines_taxable + lines_tax_free
        if not every_line:  # an order without lines cannot be charged to anyone: reconcile reports it
            logger.error(
                "cancellation %s: order %s has no lines to charge", cancellation.cancel_id, payment.order_id
            )
            return []
        tax_free = apportion(cancellation.tax_free_amount, [left_tax_free, every_line])
        taxable = apportion(cancellation.amount - cancellation.tax_free_amount, [left_taxable, every_line])
    shares = [
        CancellationShare(
            cancellation=cancellation,
            seller_id=seller_id,
            amount=taxable[seller_id] + tax_free[seller_id],
            tax_free_amount=tax_free[seller_id],
        )
        for seller_id in sorted(set(taxable) | set(tax_free))
        if taxable[seller_id] + tax_free[seller_id] > 0
    ]
    return CancellationShare.objects.bulk_create(shares)


def apportion(total: int, levels: list[Mapping[int, int]]) -> Counter:
    """Split `total` won over sellers in proportion to the first level's weights (what each has
    left), by largest remainder with ties to the lower seller id, so no seller gets more than its
    weight; only what exceeds every weight of a level goes on to the next (their lines, as a last
    resort for books that do not add up). Negative weights count as 0."""
    shares: Counter = Counter()
    levels = [{key: max(0, weight) for key, weight in level.items()} for level in levels]
    levels = [level for level in levels if sum(level.values()) > 0]
    for depth, level in enumerate(levels):
        if total <= 0:
            break
        whole = sum(level.values())
        if total >= whole and depth < len(levels) - 1:
            shares.update(level)
            total -= whole
            continue
        floors = {key: total * weight // whole for key, weight in level.items()}
        ranked = sorted(level, key=lambda key: (-(total * level[key] % whole), key))
        for key in ranked[: total - sum(floors.values())]:
            floors[key] += 1
        shares.update(floors)
        total = 0
    if total > 0:
        raise ValueError("nothing to apportion over")
    return shares
