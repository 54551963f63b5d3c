"""Reading events: who sees which, and the `data` each reader gets.

Staff see every event. A seller sees its orders' events (an order holding a line of its: the orders
API's rule) and its products' subscriptions' events, never a staff-only type, and in an order's
snapshot only its own lines. Buyers have no event list (they get notifications instead).
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet

from config.errors import DomainError, ErrorCode
from orders.models import Seller
from payments.events.models import Event, EventSeller
from payments.events.services.outbox import iso


def event_reader_ids(event: Event) -> QuerySet[EventSeller]:
    """The pks of the sellers recorded as readers of `event` (`Event.sellers`), as a subquery."""
    return EventSeller.objects.filter(event=event).values("seller_id")


def event_filter_for_seller(queryset: QuerySet[Event], *, seller_pk: int) -> QuerySet[Event]:
    """The events `seller_pk` may read: those it was recorded as a reader of (`Event.sellers`)."""
    return queryset.filter(Exists(EventSeller.objects.filter(event=OuterRef("pk"), seller_id=seller_pk)))


def event_list_visible(*, user: AbstractBaseUser) -> tuple[QuerySet[Event], int | None]:
    """The events `user` may list, and the seller whose view of `data` it gets (None: staff, whole)."""
    if user.is_staff:
        return Event.objects.all(), None
    seller_pk = Seller.objects.filter(user=user).values_list("pk", flat=True).first()
    if seller_pk is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return event_filter_for_seller(Event.objects.all(), seller_pk=seller_pk), seller_pk


def event_data_for(event: Event, *, seller_pk: int | None) -> dict[str, Any]:
    """`event.data` as a reader sees it. Staff: whole. A seller what the orders API shows it: its own
    lines and their sum (`seller_total`), not the order's totals, not the buyer (not even a number),
    not the payment (its method and amounts are the buyer's), no virtual account; of a refund, its own
    refunded lines and the part charged to it (its share)."""
    if seller_pk is None:
        return event.data
    data = copy.deepcopy(event.data)
    order = data.get("order")
    own: dict[int, int] = {}
    if isinstance(order, dict):
        lines = [line for line in order.get("items", []) if line.get("seller_id") == seller_pk]
        own = {line["item_id"]: line["unit_price"] * line["quantity"] for line in lines}
        order.update(items=lines, total_amount=None, tax_free_amount=None, buyer_id=None)
        order["seller_total"] = sum(own.values())
    if isinstance(data.get("subscription"), dict):
        data["subscription"]["buyer_id"] = None
    for key in ("payment", "virtual_account"):
        if key in data:
            data[key] = None
    if isinstance(refund := data.get("refund"), dict):
        refund["item_ids"] = [item_id for item_id in refund.get("item_ids", []) if item_id in own]
        shares = [share for share in refund.get("shares") or [] if share.get("seller_id") == seller_pk]
        amount = shares[0]["amount"] if shares else sum(own[item_id] for item_id in refund["item_ids"])
        refund.update(amount=amount, tax_free_amount=None, shares=shares)
    if isinstance(detail := data.get("detail"), dict):
        detail.pop("receipt_id", None)  # the buyer's payment at the PG
    return data


def event_envelope(event: Event, *, seller_pk: int | None) -> dict[str, Any]:
    """The one shape of an event everywhere: the catch-up list and every webhook body."""
    return {
        "id": event.event_id,
        "type": event.type,
        "created_at": iso(event.created_at),
        "data": event_data_for(event, seller_pk=seller_pk),
    }
