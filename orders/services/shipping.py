"""Shipping a paid line: its courier and tracking number, and what payments says of it
(`order_item_shipping`)."""

import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from orders.services.orders import order_lock

# Sent with `order` (locked), `item` (the paid line about to be marked shipped, not yet saved), `courier`,
# `tracking_number` ("" when not given), `actor` and `again`, inside the transaction that ships it.
# `again` False: the line is first marked shipped. A receiver may raise `DomainError` to refuse (payments
# refuses a line a cancellation in flight covers, cancel_in_progress, and an escrow payment without both
# values) and may return a callable, called after commit (payments registers an escrow shipment).
# `again` True: the line is already shipped and marked again with other values, refused
# (validation_error) unless a receiver takes it over by returning a callable (payments: the line's escrow
# registration was refused by Bootpay and is sent again with the new values).
order_item_shipping = Signal()

SHIPPING_FIELD_MAX = 40
_TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def shipping_values(courier: Any, tracking_number: Any) -> tuple[str, str]:
    """Courier and tracking number as stored ("" for none), both or neither; validation_error otherwise.
    The one check of these values, for every door (the ship service, payments' escrow retry)."""
    courier = _shipping_value(courier, "courier")
    tracking_number = _shipping_value(tracking_number, "tracking_number")
    if bool(courier) != bool(tracking_number):
        missing = "tracking_number" if courier else "courier"
        raise DomainError.invalid(missing, "courier and tracking_number go together")
    return courier, tracking_number


def _shipping_value(value: Any, field: str) -> str:
    """One of courier / tracking_number as stored: stripped, "" for none; validation_error otherwise."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError.invalid(field, "must be a string")
    value = value.strip()
    if len(value) > SHIPPING_FIELD_MAX:
        raise DomainError.invalid(field, f"at most {SHIPPING_FIELD_MAX} characters")
    if not value.isprintable():
        raise DomainError.invalid(field, "must not contain control characters")
    if field == "tracking_number" and value and not _TRACKING_NUMBER.match(value):
        raise DomainError.invalid(field, "letters, digits and dashes only")
    return value


def order_item_mark_shipped(
    *,
    order_pk: int,
    item_pk: int,
    actor: AbstractBaseUser,
    courier: str | None = None,
    tracking_number: str | None = None,
) -> OrderItem:
    """The line's seller (or staff) marks a paid line shipped; the buyer can no longer cancel it.

    `courier` (택배사) and `tracking_number` (송장번호) go together (both or neither); a line paid by escrow
    needs both (the payment's answer to `order_item_shipping`), and the first shipped line of an escrow
    payment registers the shipment with Bootpay once this commits.
    Raises permission_denied (anyone else), not_found (no such line in this order) and
    validation_error (the line is not paid, a malformed or missing courier / tracking number, or a
    shipped line marked again with other values) and cancel_in_progress (a cancellation still in flight
    covers the line: it names the line, or no lines at all; payments' answer, for every payment).
    Marking it again with the same values changes nothing; with other values it is refused, except for
    the line whose escrow registration Bootpay refused: payments sends that registration again with the
    new values (`payments.services.escrow.escrow_registration_retry`) and the line takes them.
    Runs under the order lock, and payments answers under the payment's lock after it, so shipping
    cannot interleave with a cancel of the same payment: a cancel booked first makes the ship wait for
    its outcome (refused while it is in flight), a ship committed first makes the buyer's cancel see
    the line shipped.
    """
    courier, tracking_number = shipping_values(courier, tracking_number)
    after_commit: list[Callable] = []
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        item = OrderItem.objects.select_related("seller").filter(pk=item_pk, order_id=order_pk).first()
        if item is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such line in this order.")
        if not (actor.is_staff or item.seller.user_id == actor.pk):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "Only the line's seller or staff ship it.")
        again = item.shipped
        if again and (item.courier, item.tracking_number) == (courier, tracking_number):
            return item
        if item.status != OrderItem.Status.PAID:
            raise DomainError.invalid("item", f"only paid lines ship (this one is {item.status})")
        responses = order_item_shipping.send(
            sender=OrderItem,
            order=order,
            item=item,
            courier=courier,
            tracking_number=tracking_number,
            actor=actor,
            again=again,
        )
        after_commit = [after for _receiver, after in responses if callable(after)]
        if again and not after_commit:
            raise DomainError.invalid(
                "tracking_number" if item.courier == courier else "courier",
                "the line is already shipped with other values",
            )
        item.shipped = True
        item.courier = courier
        item.tracking_number = tracking_number
        if not again:
            item.shipped_at = timezone.now()
        item.save(update_fields=["shipped", "courier", "tracking_number", "shipped_at"])
        for step in after_commit:  # no network call while the order row is locked
            transaction.on_commit(step)
    return item
