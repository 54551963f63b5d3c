"""The buyer's choice: at checkout (`order_created`), and after payment (`cash_receipt_request`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order
from orders.services import order_lock
from payments.cash_receipts.identifiers import identifier_clean
from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest, CashReceiptType
from payments.cash_receipts.services.common import (
    Issuance,
    issuances_locked,
    live_of,
    money_arrived_at,
    money_kept,
    payment_is_cash,
    payment_sold,
    request_set,
    summary_refresh,
)
from payments.cash_receipts.services.reconcile import cash_receipt_reconcile
from payments.gateway import Gateway

TYPES = tuple(CashReceiptType.values)


def cash_receipt_choice_clean(*, type: Any, identifier: Any, prefix: str = "") -> tuple[str, str]:  # noqa: A002
    """(type, digits) from a caller's `{type, identifier}`; identifier "" for `none`. Raises
    validation_error for an unknown type, cash_receipt_identifier_invalid for a bad identifier."""
    if type not in TYPES:
        raise DomainError.invalid(f"{prefix}type", f"must be one of: {', '.join(TYPES)}")
    if type == CashReceiptType.NONE:
        return type, ""
    return type, identifier_clean(type=type, identifier=identifier, field=f"{prefix}identifier")


def on_order_created(sender, *, order: Order, options: Mapping[str, Any], **kwargs) -> None:
    """`orders.services.order_created`: store the checkout's `cash_receipt` choice (inside the order's
    transaction; a refusal rolls the order back)."""
    choice = options.get("cash_receipt")
    if choice is None:
        return
    if not isinstance(choice, Mapping):
        raise DomainError.invalid("cash_receipt", "an object with type and identifier")
    kind, digits = cash_receipt_choice_clean(
        type=choice.get("type"), identifier=choice.get("identifier"), prefix="cash_receipt."
    )
    request_set(
        order=order,
        type=kind,
        identifier=digits,
        source=CashReceiptRequest.Source.CHECKOUT,
        actor=order.buyer,
    )


def request_deadline(*, arrived) -> Any:
    return arrived + timedelta(days=settings.CASH_RECEIPT_REQUEST_DAYS)


def cash_receipt_request(
    *,
    order_pk: int,
    actor: AbstractBaseUser,
    type: str,  # noqa: A002
    identifier: str | None = None,
    gateway: Gateway | None = None,
) -> CashReceiptRequest:
    """Ask for (or change, or with `none` withdraw) the receipt of a paid cash order, then bring Bootpay
    in line at once (an unanswered call is left `pending` for the sweep). The order's buyer or staff.

    Raises validation_error, cash_receipt_identifier_invalid, permission_denied (a seller of the order),
    cash_receipt_not_applicable (not a cash payment, not paid, fully refunded, past
    CASH_RECEIPT_REQUEST_DAYS), cash_receipt_in_progress (a receipt being issued or cancelled). Asking
    again for the same receipt changes nothing at Bootpay."""
    kind, digits = cash_receipt_choice_clean(type=type, identifier=identifier)
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        if order.buyer_id != actor.pk and not actor.is_staff:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        payment = payment_sold(order)
        if payment is None or not payment_is_cash(payment) or money_kept(payment)[0] <= 0:
            raise DomainError(ErrorCode.CASH_RECEIPT_NOT_APPLICABLE)
        arrived = money_arrived_at(payment, order)
        if arrived is None or timezone.now() > request_deadline(arrived=arrived):
            raise DomainError(
                ErrorCode.CASH_RECEIPT_NOT_APPLICABLE,
                details={"deadline": request_deadline(arrived=arrived).isoformat() if arrived else None},
            )
        rows = issuances_locked(order)
        live = live_of(rows)
        if (live is not None and live.state in Issuance.OPEN_STATES) or any(
            row.state == CashReceiptIssuance.State.CANCEL_FAILED for row in rows
        ):
            raise DomainError(ErrorCode.CASH_RECEIPT_IN_PROGRESS)
        request_set(
            order=order,
            type=kind,
            identifier=digits,
            source=CashReceiptRequest.Source.AFTER_PAYMENT,
            actor=actor,
        )
        summary_refresh(order=order, payment=payment)
    cash_receipt_reconcile(order_pk=order_pk, gateway=gateway, retry_failed=True)
    return CashReceiptRequest.objects.get(order_id=order_pk)
