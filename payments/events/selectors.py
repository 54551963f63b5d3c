"""Reading events: who sees which, and the `data` each reader gets.

Staff see every event. A seller sees its orders' events (an order holding a line of its: the orders
API's rule) and its products' subscriptions' events, never a staff-only type, and in an order's
snapshot only its own lines. Buyers have no event list (they get notifications instead).
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem, Seller
from payments.events.catalogue import STAFF_ONLY_TYPES
from payments.events.models import Event
from payments.events.services.outbox import iso


def event_filter_for_seller(queryset: QuerySet[Event], *, seller_pk: int) -> QuerySet[Event]:
    own_lines = OrderItem.objects.filter(order=OuterRef("order_id"), seller_id=seller_pk)
    return queryset.filter(Q(seller_id=seller_pk) | Exists(own_lines)).exclude(type__in=STAFF_ONLY_TYPES)


def event_list_visible(*, user: AbstractBaseUser) -> tuple[QuerySet[Event], int | None]:
    """The events `user` may list, and the seller whose view of `data` it gets (None: staff, whole)."""
    if user.is_staff:
        return Event.objects.all(), None
    seller_pk = Seller.objects.filter(user=user).values_list("pk", flat=True).first()
    if seller_pk is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return event_filter_for_seller(Event.objects.all(), seller_pk=seller_pk), seller_pk


def event_data_for(event: Event, *, seller_pk: int | None) -> dict[str, Any]:
    """`event.data` as a reader sees it: a seller only its own lines of an order's snapshot."""
    if seller_pk is None or not isinstance(event.data.get("order"), dict):
        return event.data
    data = copy.deepcopy(event.data)
    data["order"]["items"] = [
        item for item in data["order"].get("items", []) if item.get("seller_id") == seller_pk
    ]
    return data


def event_envelope(event: Event, *, seller_pk: int | None) -> dict[str, Any]:
    """The one shape of an event everywhere: the catch-up list and every webhook body."""
    return {
        "id": event.event_id,
        "type": event.type,
        "created_at": iso(event.created_at),
        "data": event_data_for(event, seller_pk=seller_pk),
    }
