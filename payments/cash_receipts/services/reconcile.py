"""Keep an order's cash receipt equal to the money kept: one reconciler per order.

`cash_receipt_reconcile(order_pk=…)` compares the receipt the order should have (`desired_receipt`) with
the live one and moves one step at a time, each the same way as the core's cancels (docs/billing.md's
discipline): decide and save the intent under the order's lock (`requested` / `cancel_requested`, with
the lease `attempt_started_at`), commit, call Bootpay with no transaction open, then lock again and
settle. Steps:

1. an open row (`requested`, `cancel_requested`) whose lease ran out is asked about again, the idempotent
   way: a publish-on-receipt looks the payment's receipt up first (a `cash_receipt_data.tid` there means
   it was issued); a stand-alone receipt is sent again with the same `order_id` (Bootpay answers the same
   receipt for the same order id: assumption, docs/cash-receipts.md); a cancel answered
   RC_CASH_RECEIPT_NOT_FOUND / RC_ALREADY_CANCELLED is settled as cancelled. One whose lease is held is
   someone else's: this run stops there;
2. a live receipt that differs from the desired one (amount after a refund, another identifier, none
   wanted) is cancelled;
3. then the desired one is issued: publish-on-receipt for a payment's first receipt when it holds its
   whole amount, else stand-alone with order id `<order_id>-cr<N>`.

No answer (`GatewayUnavailable`) leaves the row open, lease released, for the sweep to ask again; a
refusal (`GatewayError`) is recorded (`failed` / `cancel_failed`) and not retried by itself: staff retry
(`retry_failed=True`, the admin action). Two runs at once: the second meets the first's lease and stops;
the partial unique index keeps one live row per order whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.services import order_lock
from payments.cash_receipts.identifiers import SELF_ISSUE_IDENTIFIER, identifier_mask
from payments.cash_receipts.models import (
    CashReceiptIssuance,
    CashReceiptRequest,
    CashReceiptType,
    identifier_encrypt,
)
from payments.cash_receipts.services.common import (
    Desired,
    Issuance,
    State,
    desired_receipt,
    issuances_locked,
    live_of,
    logger,
    money_kept,
    new_standalone_order_id_for,
    payment_sold,
    request_self_issued,
    request_set,
    summary_refresh,
)
from payments.gateway import CashReceiptResult, Gateway, GatewayError, GatewayUnavailable
from payments.services.common import attempt_lease, gateway_or_default

# Bootpay's answers to a cancel meaning "nothing live to cancel" (settled as cancelled).
CANCEL_SETTLED_CODES = frozenset({"RC_CASH_RECEIPT_NOT_FOUND", "RC_ALREADY_CANCELLED"})
ALREADY_PUBLISHED = "RC_CASH_RECEIPT_ALREADY_PUBLISHED"
MAX_STEPS = 6  # at most: settle an open row, cancel, issue — with room for a lost answer in between


@dataclass(frozen=True)
class _Step:
    """What to send, decided under the lock; `attempt` is the lease stamp this run holds."""

    action: str  # publish | issue | cancel
    issuance_pk: int
    attempt: datetime
    resend: bool


def cash_receipt_reconcile(
    *,
    order_pk: int,
    gateway: Gateway | None = None,
    retry_failed: bool = False,
    now: datetime | None = None,
) -> str:
    """Bring the order's receipt in line with the money kept. Returns `done`, `in_progress` (another run
    holds the lease), `open` (Bootpay did not answer: left for the sweep) or `failed` (refused; staff).

    Never raises for Bootpay's answers; safe to call twice at once, and again at any time."""
    gateway = gateway_or_default(gateway)
    for _ in range(MAX_STEPS):
        step, outcome = _decide(order_pk=order_pk, retry_failed=retry_failed, now=now)
        if step is None:
            return outcome
        retry_failed = False  # one staff retry re-sends the refused row once, not every later step
        if not _send(step, gateway=gateway):
            return "open"
    return "in_progress"


# --- 1. decide, under the order's lock ---------------------------------------------------------------


def _decide(*, order_pk: int, retry_failed: bool, now: datetime | None) -> tuple[_Step | None, str]:
    moment = timezone.now()
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        payment = payment_sold(order)
        rows = issuances_locked(order)
        request = CashReceiptRequest.objects.filter(order=order).first()
        if retry_failed:
            request = _buyer_number_restored(order=order, rows=rows, request=request)
        step, outcome = _next_step(
            order=order,
            payment=payment,
            rows=rows,
            request=request,
            moment=moment,
            now=now or moment,
            retry_failed=retry_failed,
        )
        summary_refresh(order=order, payment=payment)
    return step, outcome


def _buyer_number_restored(*, order: Order, rows, request: CashReceiptRequest | None):
    """Staff's retry of a sale the fallback receipted to the tax office's number (Bootpay had refused the
    buyer's): the buyer's number, kept encrypted on its refused row, becomes the request again, so the
    retry sends it; refused again, the fallback takes over again."""
    if request is None or request.source != CashReceiptRequest.Source.SELF_ISSUED:
        return request
    refused = next(
        (
            row
            for row in reversed(rows)
            if row.state == State.FAILED and not row.self_issued and row.identifier
        ),
        None,
    )
    if refused is None:
        return request
    return request_set(
        order=order,
        type=refused.type,
        identifier=refused.identifier,
        source=CashReceiptRequest.Source.AFTER_PAYMENT,
    )


def _claim(row: CashReceiptIssuance, moment: datetime, **fields: Any) -> datetime:
    row.attempt_started_at = moment
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return moment


def _next_step(*, order, payment, rows, request, moment, now, retry_failed) -> tuple[_Step | None, str]:
    live = live_of(rows)
    if live is not None and live.state in Issuance.OPEN_STATES:
        if live.attempt_started_at is not None and live.attempt_started_at > moment - attempt_lease():
            return None, "in_progress"
        action = "cancel" if live.state == State.CANCEL_REQUESTED else _issue_action(live)
        return _Step(action, live.pk, _claim(live, moment), resend=True), ""
    stuck = next((row for row in rows if row.state == State.CANCEL_FAILED), None)
    if stuck is not None:
        if not retry_failed:
            return None, "failed"  # the refused cancel may have left a receipt standing: staff decide
        attempt = _claim(stuck, moment, state=State.CANCEL_REQUESTED, error_code="")
        return _Step("cancel", stuck.pk, attempt, resend=False), ""
    if payment is not None and not rows and _pg_cash_receipt(payment.raw_receipt):
        # Recorded, then followed like any live receipt: a refund made before we first saw it cancels it.
        live = _record_pg_issued(order=order, payment=payment, moment=moment)
        rows = [live]
    pg_issued = any(row.issued_by_pg for row in rows)
    desired = desired_receipt(order=order, payment=payment, request=request, now=now, pg_issued=pg_issued)
    if live is not None:  # issued
        if desired is not None and desired.matches(live):
            return None, "done"
        if live.issued_by_pg and _pg_receipt_stands(live, payment=payment, request=request):
            return None, "done"
        attempt = _claim(live, moment, state=State.CANCEL_REQUESTED)
        return _Step("cancel", live.pk, attempt, resend=False), ""
    if desired is None:
        return None, "done"
    latest = rows[-1] if rows else None
    if latest is not None and latest.state == State.FAILED and desired.matches(latest) and not retry_failed:
        if desired.self_issued or payment.amount < settings.CASH_RECEIPT_SELF_ISSUE_MIN_AMOUNT:
            return None, "failed"  # staff retry from the admin
        # Bootpay refused the buyer's number, and the law wants this sale receipted whatever becomes of it
        # (a change that already cancelled the old receipt must not leave the sale with none): the tax
        # office's number, as for an unknown buyer. The buyer may ask again with another number.
        desired = Desired(
            CashReceiptType.INCOME_DEDUCTION, SELF_ISSUE_IDENTIFIER, desired.amount, desired.tax_free, True
        )
    if desired.self_issued:
        request_self_issued(order=order, request=request)
    row = _issuance_new(order=order, payment=payment, rows=rows, desired=desired, moment=moment)
    return _Step(_issue_action(row), row.pk, row.attempt_started_at, resend=False), ""


def _issue_action(row: CashReceiptIssuance) -> str:
    return "publish" if row.kind == Issuance.Kind.ON_RECEIPT else "issue"


def _issuance_new(*, order: Order, payment, rows, desired: Desired, moment: datetime) -> CashReceiptIssuance:
    # Publish-on-receipt issues what Bootpay holds on the payment: only for its first receipt, while it
    # holds its whole amount. Anything else is stand-alone, so a retried publish's lookup can never be
    # misled by an earlier (cancelled) receipt on the same payment.
    whole = desired.amount == payment.amount and desired.tax_free == payment.tax_free_amount
    first = not any(row.payment_id == payment.pk for row in rows)
    standalone = not (whole and first)
    return CashReceiptIssuance.objects.create(
        order=order,
        payment=payment,
        kind=Issuance.Kind.STANDALONE if standalone else Issuance.Kind.ON_RECEIPT,
        standalone_order_id=new_standalone_order_id_for(order, rows) if standalone else None,
        receipt_id="" if standalone else payment.receipt_id,
        amount=desired.amount,
        tax_free=desired.tax_free,
        type=desired.type,
        identifier_encrypted=identifier_encrypt(desired.identifier),
        identifier_masked=identifier_mask(desired.identifier),
        self_issued=desired.self_issued,
        state=State.REQUESTED,
        attempt_started_at=moment,
    )


# --- A receipt the PG's window issued by itself -------------------------------------------------------


def _pg_receipt_stands(live: CashReceiptIssuance, *, payment, request) -> bool:
    """The PG's own receipt is left alone while it covers the money kept, unless the buyer asked us since
    the payment for another (a request after payment): we never issue on top of it."""
    kept = money_kept(payment) if payment is not None else (0, 0)
    changed_by_buyer = request is not None and request.source == CashReceiptRequest.Source.AFTER_PAYMENT
    return (live.amount, live.tax_free) == kept and not changed_by_buyer


def _pg_cash_receipt(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    data = raw.get("cash_receipt_data")
    if isinstance(data, dict) and data.get("tid"):
        return {"tid": str(data["tid"]), "type": data.get("cash_receipt_type")}
    for key in ("bank_data", "vbank_data"):
        bank = raw.get(key)
        if isinstance(bank, dict) and bank.get("cash_receipt_tid"):
            return {"tid": str(bank["cash_receipt_tid"]), "type": bank.get("cash_receipt_type")}
    return {}


def _record_pg_issued(*, order: Order, payment, moment: datetime) -> CashReceiptIssuance:
    """The PG's window issued a receipt although we open it with `display_cash_receipt: false`: record
    it as issued (never issue a second one). What it was issued to is not ours to know; what for is the
    payment's whole amount (the window issued it when paid), whatever has been refunded since."""
    found = _pg_cash_receipt(payment.raw_receipt)
    amount, tax_free = payment.amount, min(payment.tax_free_amount, payment.amount)
    request = CashReceiptRequest.objects.filter(order=order).first()
    kind = request.type if request is not None and request.type != "none" else "income_deduction"
    row = CashReceiptIssuance.objects.create(
        order=order,
        payment=payment,
        kind=Issuance.Kind.ON_RECEIPT,
        receipt_id=payment.receipt_id,
        approval_no=found["tid"][:64],
        amount=max(amount, 1),
        tax_free=min(tax_free, max(amount, 1)),
        type=kind,
        identifier_encrypted="",
        identifier_masked="(PG)",
        issued_by_pg=True,
        state=State.ISSUED,
        issued_at=payment.purchased_at or moment,
    )
    logger.info("cash receipt issued by the PG recorded", extra={"order_id": order.order_id})
    return row


# --- 2. send, with no transaction open -----------------------------------------------------------------


def _send(step: _Step, *, gateway: Gateway) -> bool:
    """Call Bootpay for the step and settle. False when Bootpay did not answer (left open)."""
    row = CashReceiptIssuance.objects.select_related("payment", "order").get(pk=step.issuance_pk)
    try:
        if step.action == "cancel":
            result: Any = _send_cancel(row, gateway=gateway)
        elif step.action == "publish":
            result = _send_publish(row, gateway=gateway, resend=step.resend)
        else:
            result = gateway.cash_receipt_issue(
                order_id=row.standalone_order_id,
                order_name=row.order.order_name,
                kind=row.type,
                identifier=row.identifier,
                price=row.amount,
                tax_free=row.tax_free,
                purchased_at=row.payment.purchased_at,
            )
    except GatewayUnavailable as exc:
        _settle(step, outcome="open", code=exc.reason)
        return False
    except GatewayError as exc:
        if step.action == "cancel" and exc.code in CANCEL_SETTLED_CODES:
            _settle(step, outcome="cancelled", code=exc.code)
        else:
            _settle(step, outcome="refused", code=exc.code)
        return True
    _settle(step, outcome="cancelled" if step.action == "cancel" else "issued", result=result)
    return True


def _send_cancel(row: CashReceiptIssuance, *, gateway: Gateway) -> None:
    reason = "현금영수증 금액 변경" if row.payment.status != "cancelled" else "결제 취소"
    if row.kind == Issuance.Kind.ON_RECEIPT:
        gateway.cash_receipt_cancel_on_payment(receipt_id=row.receipt_id, reason=reason)
    else:
        gateway.cash_receipt_cancel(receipt_id=row.receipt_id, reason=reason)


def _send_publish(row: CashReceiptIssuance, *, gateway: Gateway, resend: bool) -> CashReceiptResult:
    if resend:  # the first answer was lost: issued meanwhile?
        found = _looked_up(row, gateway=gateway)
        if found is not None:
            return found
    try:
        return gateway.cash_receipt_publish(
            receipt_id=row.receipt_id, kind=row.type, identifier=row.identifier, buyer_name=""
        )
    except GatewayError as exc:
        if exc.code == ALREADY_PUBLISHED and (found := _looked_up(row, gateway=gateway)) is not None:
            return found
        raise


def _looked_up(row: CashReceiptIssuance, *, gateway: Gateway) -> CashReceiptResult | None:
    receipt = gateway.lookup_receipt(row.receipt_id)
    found = _pg_cash_receipt(receipt.raw)
    if not found:
        return None
    # The payment's receipt names the cash receipt but not the amount it was issued for: what the
    # payment holds now says nothing of it once a refund came after the publish. Record what we asked
    # for (the whole payment); a refund since then makes it differ from the money kept, so the next step
    # cancels it and issues for what is kept.
    return CashReceiptResult(
        receipt_id=row.receipt_id,
        approval_no=found["tid"],
        price=row.amount,
        tax_free=row.tax_free,
        issued_at=None,
        raw={"looked_up": True, "receipt_id": row.receipt_id},
    )


# --- 3. settle, under the lock again -------------------------------------------------------------------


def _settle(step: _Step, *, outcome: str, result: CashReceiptResult | None = None, code: str = "") -> None:
    moment = timezone.now()
    with transaction.atomic():
        row_order = CashReceiptIssuance.objects.values_list("order_id", flat=True).get(pk=step.issuance_pk)
        order = order_lock(order_pk=row_order)
        row = CashReceiptIssuance.objects.select_for_update(of=("self",)).get(pk=step.issuance_pk)
        expected = State.CANCEL_REQUESTED if step.action == "cancel" else State.REQUESTED
        if row.state != expected:
            return  # settled meanwhile by a run that took the lapsed lease: its answer stands
        row.attempt_started_at = None
        if outcome == "open":
            row.error_code = code[:60]
            logger.warning(
                "cash receipt outcome unknown",
                extra={"order_id": order.order_id, "issuance": row.pk, "action": step.action},
            )
        elif outcome == "issued" and result is not None:
            row.state = State.ISSUED
            row.receipt_id = result.receipt_id or row.receipt_id
            row.approval_no = result.approval_no[:64]
            row.issued_at = result.issued_at or moment
            row.pg_response = result.raw
            row.error_code = ""
            if result.price and result.price != row.amount:
                # Bootpay issued what it holds (a refund not booked yet?): the next run fixes it.
                logger.warning(
                    "cash receipt issued for another amount",
                    extra={"order_id": order.order_id, "issuance": row.pk},
                )
                row.amount, row.tax_free = result.price, min(result.tax_free, result.price)
        elif outcome == "cancelled":
            row.state = State.CANCELLED
            row.cancelled_at = moment
            row.error_code = code[:60]
        else:  # refused
            row.state = State.CANCEL_FAILED if step.action == "cancel" else State.FAILED
            row.error_code = code[:60]
            logger.warning(
                "cash receipt refused by Bootpay",
                extra={"order_id": order.order_id, "issuance": row.pk, "pg_code": code},
            )
        row.save()
        summary_refresh(order=order, payment=payment_sold(order))
