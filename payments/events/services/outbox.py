"""Writing events: `event_record` and the payload snapshots it stores.

A payload is a snapshot of what partners and people need to act, taken when the fact happened: public
ids, amounts, states. Never a billing key, a cash-receipt identifier (not even masked), an identity
result or a buyer's name, email or phone: the buyer is a number (`buyer_id`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.coalesce import enqueue_coalesced
from orders.models import Order
from payments.events.catalogue import NOT_FOR_SELLERS
from payments.events.models import Event, EventSeller

logger = logging.getLogger(__name__)


def event_record(
    *,
    type: str,
    dedup_key: str,
    aggregate: str,
    data: dict[str, Any],
    order: Order | None = None,
    buyer_id: int | None = None,
    seller_id: int | None = None,
) -> Event | None:
    """Record one event in the caller's transaction, once per `dedup_key` (again: nothing happens, None).

    Must run inside the transaction that makes the change, under the aggregate's row lock (so events
    of one order or subscription are numbered in the order they happened). Dispatch starts after commit.

    Who else may read it (`Event.sellers`): `event_readers`.
    """
    try:
        with transaction.atomic():  # a savepoint: a twin recorded first must not abort the caller's work
            event = Event.objects.create(
                type=type,
                dedup_key=dedup_key,
                aggregate=aggregate,
                data=data,
                order=order,
                buyer_id=buyer_id
                if buyer_id is not None
                else (order.buyer_id if order is not None else None),
                seller_id=seller_id,
            )
    except IntegrityError:
        return None
    if readers := event_readers(type=type, data=data, seller_id=seller_id):
        EventSeller.objects.bulk_create([EventSeller(event=event, seller_id=pk) for pk in readers])
    logger.info(
        "event recorded", extra={"event_id": event.event_id, "event_type": type, "aggregate": aggregate}
    )
    transaction.on_commit(_dispatch_soon, robust=True)
    return event


def event_readers(*, type: str, data: dict[str, Any], seller_id: int | None = None) -> list[int]:
    """The sellers who may read an event (its list rows, webhooks and notices): the sellers of the lines
    it is about, as the orders API shows a seller an order holding its lines. A refund is about the lines
    it names and the sellers it is charged to (an amount refund or a whole cancel: each seller with a
    share), a parcel about its line, anything else about the order's lines; a subscription's event about
    its product's seller (`seller_id`). Nobody for a type the catalogue keeps from sellers (an open PG
    outcome, a cash receipt)."""
    if type in NOT_FOR_SELLERS:
        return []
    lines = (data.get("order") or {}).get("items") or []
    if isinstance(refund := data.get("refund"), dict):
        about = set(refund.get("item_ids") or [])
        lines = [line for line in lines if line["item_id"] in about]
        lines += [{"seller_id": share["seller_id"]} for share in refund.get("shares") or []]
    elif isinstance(data.get("escrow"), dict):
        lines = [line for line in lines if line["item_id"] == data["escrow"].get("item_id")]
    readers = {line["seller_id"] for line in lines} | ({seller_id} if seller_id else set())
    return sorted(readers)


# Set while a dispatch is queued and has not started (config/coalesce.py): a burst of commits, or a
# transaction recording several events, queues one; the beat sweep dispatches whatever a lost one left.
DISPATCH_QUEUED_KEY = "events:dispatch-queued"


def _dispatch_soon() -> None:
    from payments.events.tasks import events_dispatch_task

    enqueue_coalesced(events_dispatch_task, key=DISPATCH_QUEUED_KEY, what="events dispatch")


# --- Payload snapshots --------------------------------------------------------------------------------


def iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def order_snapshot(order: Order) -> dict[str, Any]:
    items = order.items.order_by("pk").values(
        "pk", "product_id", "seller_id", "product_name", "quantity", "unit_price", "is_tax_free", "status"
    )
    return {
        "order_id": order.order_id,
        "status": order.status,
        "order_name": order.order_name,
        "total_amount": order.total_amount,
        "tax_free_amount": order.tax_free_amount,
        "currency": order.currency,
        "paid_at": iso(order.paid_at),
        "buyer_id": order.buyer_id,
        "items": [
            {
                "item_id": item["pk"],
                "product_id": item["product_id"],
                "seller_id": item["seller_id"],
                "product_name": item["product_name"],
                "quantity": item["quantity"],
                "unit_price": item["unit_price"],
                "is_tax_free": item["is_tax_free"],
                "status": item["status"],
            }
            for item in items
        ],
    }


def payment_snapshot(payment) -> dict[str, Any]:
    return {
        "payment_id": payment.public_id,
        "receipt_id": payment.receipt_id,
        "status": payment.status,
        "amount": payment.amount,
        "tax_free_amount": payment.tax_free_amount,
        "cancelled_amount": payment.cancelled_amount,
        "cancelled_tax_free_amount": payment.cancelled_tax_free_amount,
        "method": payment.method,
        "method_name": payment.method_name,
        "pg": payment.pg,
        "purchased_at": iso(payment.purchased_at),
    }
