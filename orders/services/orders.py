"""Orders: created from our own prices, closed unpaid (by the buyer, the expiry, or the system), locked.

See the package docstring for how closing an unpaid order asks payments (`unpaid_order_closing`)."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Product, SellerOrder


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: int


def _merge_lines(lines: Iterable[OrderLine]) -> dict[int, int]:
    """Validate the shape of the requested lines; the same product twice becomes one line."""
    quantities: Counter[int] = Counter()
    for index, line in enumerate(lines):
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
            raise DomainError.invalid(f"items[{index}].quantity", "must be a whole number of at least 1")
        if isinstance(line.product_id, bool) or not isinstance(line.product_id, int) or line.product_id < 1:
            raise DomainError.invalid(f"items[{index}].product_id", "must be a product id")
        quantities[line.product_id] += line.quantity
    if not quantities:
        raise DomainError.invalid("items", "an order needs at least one item")
    if len(quantities) > settings.ORDER_MAX_LINES:
        raise DomainError.invalid("items", f"at most {settings.ORDER_MAX_LINES} different products per order")
    for product_id, quantity in quantities.items():
        if quantity > settings.ORDER_MAX_QUANTITY:
            raise DomainError.invalid(
                "items", f"at most {settings.ORDER_MAX_QUANTITY} units of product {product_id}"
            )
    return dict(quantities)


def _order_name(products: list[Product]) -> str:
    first = products[0].name
    return first if len(products) == 1 else f"{first} 외 {len(products) - 1}건"


# Sent inside `order_create`'s transaction once the products are locked and checked, before any stock is
# reserved, with `buyer`, `products` (the locked rows) and `options` (the caller's extension fields, e.g.
# `cash_receipt`). A receiver refuses the order by raising `DomainError` (identity: an adult-only product
# for a buyer not verified as an adult). Also sent for a subscription's first period (`options` empty).
order_creating = Signal()

# Sent inside the same transaction once the order and its lines exist, with `order` and `options`: a
# receiver stores what an extension field asks for (cash receipts: the buyer's choice). Raising
# `DomainError` rolls the order back.
order_created = Signal()


def order_create(
    *, buyer: AbstractBaseUser, lines: Iterable[OrderLine], options: Mapping[str, Any] | None = None
) -> Order:
    """Create a pending order and reserve its stock.

    Raises validation_error (also for a total above `ORDER_MAX_TOTAL_AMOUNT`, naming `items`),
    product_not_found, product_unavailable, insufficient_stock, and whatever an `order_creating` /
    `order_created` receiver refuses with; on any of them nothing is reserved.
    Product rows are locked in pk order, so concurrent orders for the same products queue instead of
    deadlocking, and the last unit goes to exactly one of them.
    """
    quantities = _merge_lines(lines)
    with transaction.atomic():
        products = list(
            Product.objects.select_for_update(of=("self",))
            .select_related("seller")
            .filter(pk__in=quantities)
            .order_by("pk")
        )
        found = {product.pk for product in products}
        if missing := sorted(set(quantities) - found):
            raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": missing})
        if inactive := [product.pk for product in products if not product.is_active]:
            raise DomainError(ErrorCode.PRODUCT_UNAVAILABLE, details={"product_ids": inactive})
        total = sum(product.price * quantities[product.pk] for product in products)
        # Prices come from the locked rows, so the cap is checked here; every line total is at most the total.
        if total > settings.ORDER_MAX_TOTAL_AMOUNT:
            raise DomainError.invalid(
                "items", f"the order total may be at most {settings.ORDER_MAX_TOTAL_AMOUNT} won"
            )
        short = [
            {"product_id": product.pk, "requested": quantities[product.pk], "available": product.stock}
            for product in products
            if product.stock < quantities[product.pk]
        ]
        if short:
            raise DomainError(ErrorCode.INSUFFICIENT_STOCK, details={"items": short})
        options = dict(options or {})
        order_creating.send(sender=Order, buyer=buyer, products=products, options=options)

        tax_free = sum(product.price * quantities[product.pk] for product in products if product.is_tax_free)
        order = Order.objects.create(
            buyer=buyer,
            order_name=_order_name(products),
            total_amount=total,
            tax_free_amount=tax_free,
            expires_at=timezone.now() + settings.ORDER_PAYMENT_TTL,
            seller_count=len({product.seller_id for product in products}),
        )
        order_lines_create(
            order=order,
            lines=[
                OrderItem(
                    order=order,
                    product=product,
                    seller=product.seller,
                    product_name=product.name,
                    quantity=quantities[product.pk],
                    unit_price=product.price,
                    is_tax_free=product.is_tax_free,
                )
                for product in products
            ],
        )
        for product in products:
            product.stock -= quantities[product.pk]
        Product.objects.bulk_update(products, ["stock", "updated_at"])
        order_created.send(sender=Order, order=order, options=options)
    return order


def order_lines_create(*, order: Order, lines: list[OrderItem]) -> list[OrderItem]:
    """Insert a new order's lines and, for each seller among them, the order's row in that seller's list
    (`SellerOrder`): the one place lines are written, so no order is missing from its sellers' lists.
    Call inside the order's transaction (two statements, whatever the number of lines). A seller already
    listed with the order keeps its one row."""
    created = OrderItem.objects.bulk_create(lines)
    seller_ids = sorted({line.seller_id for line in lines})
    SellerOrder.objects.bulk_create(
        (
            SellerOrder(seller_id=seller_id, order=order, created_at=order.created_at)
            for seller_id in seller_ids
        ),
        ignore_conflicts=True,
    )
    return created


def order_create_for_subscription(
    *,
    buyer: AbstractBaseUser,
    product_id: int,
    unit_price: int,
    is_tax_free: bool,
    order_id: str,
    expires_at: datetime,
    renewal: bool,
) -> Order:
    """One period of a subscription: an ordinary pending order of one unit of the product, at the price
    the subscription fixed when it began (`unit_price`, ours, never the caller's), with the public
    `order_id` the subscription derives for the period. Call inside the caller's transaction.

    Stock: the first period follows `order_create` (product_unavailable, insufficient_stock, and one unit
    taken). A renewal never fails for stock, nor for a product taken off sale since: it takes a unit
    when there is one, and otherwise its line is marked `holds_stock=False` (the seller ships when
    restocked), so cancelling or refunding it gives back nothing it never took.
    """
    product = (
        Product.objects.select_for_update(of=("self",)).select_related("seller").filter(pk=product_id).first()
    )
    if product is None:
        raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
    if not renewal:
        if not product.is_active:
            raise DomainError(ErrorCode.PRODUCT_UNAVAILABLE, details={"product_ids": [product_id]})
        if product.stock < 1:
            short = [{"product_id": product.pk, "requested": 1, "available": product.stock}]
            raise DomainError(ErrorCode.INSUFFICIENT_STOCK, details={"items": short})
        order_creating.send(sender=Order, buyer=buyer, products=[product], options={})
    holds_stock = product.stock >= 1
    order = Order.objects.create(
        order_id=order_id,
        buyer=buyer,
        order_name=product.name,
        total_amount=unit_price,
        tax_free_amount=unit_price if is_tax_free else 0,
        expires_at=expires_at,
    )
    order_lines_create(
        order=order,
        lines=[
            OrderItem(
                order=order,
                product=product,
                seller=product.seller,
                product_name=product.name,
                quantity=1,
                unit_price=unit_price,
                is_tax_free=is_tax_free,
                holds_stock=holds_stock,
            )
        ],
    )
    if holds_stock:
        product.stock -= 1
        product.save(update_fields=["stock", "updated_at"])
    return order


def order_close_unpaid(*, order_pk: int, label: str) -> Order | None:
    """The system gives up an unpaid order (a subscription period that will not be charged): closed as
    cancelled, its stock back, as the buyer's cancel would, and what is under way on it withdrawn (an
    approval nobody confirmed, a virtual account nobody paid into: `withdraw_deposit`). None when it is
    no longer pending payment or another part refuses the close. Caller may hold locks above the order.
    """
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        if order.status != Order.Status.PENDING_PAYMENT:
            return None
        try:
            after_commit = _closing_order_hooks(order=order, actor=None, label=label, withdraw_deposit=True)
        except DomainError:
            return None
        _order_close_unpaid(order=order, status=Order.Status.CANCELLED)
    for step in after_commit:
        transaction.on_commit(step)
    return order


def order_lock(*, order_pk: int) -> Order:
    """The order row under `select_for_update`; call inside `transaction.atomic()`."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_pk)


def order_items_release_stock(*, items: Iterable[OrderItem]) -> None:
    """Give the items' quantities back to their products (rows locked in pk order); a line that took
    no stock (`holds_stock` false: a subscription renewal made out of stock) gives none back."""
    returned: Counter[int] = Counter()
    for item in items:
        if item.holds_stock:
            returned[item.product_id] += item.quantity
    if not returned:
        return
    products = list(Product.objects.select_for_update(of=("self",)).filter(pk__in=returned).order_by("pk"))
    for product in products:
        product.stock += returned[product.pk]
    Product.objects.bulk_update(products, ["stock", "updated_at"])


# Sent with `order` (locked, still pending payment), `actor` (None for the expiry) and `label` ("buyer",
# "expiry", "subscription"), and `withdraw_deposit` (the system gives the order up: a payment awaiting its
# deposit is withdrawn rather than refusing the close), inside the transaction that closes it. A receiver
# may raise `DomainError` to refuse the close and may return a callable, called after commit (no network
# call while the order row is locked).
unpaid_order_closing = Signal()


def _closing_order_hooks(
    *, order: Order, actor: AbstractBaseUser | None, label: str, withdraw_deposit: bool = False
) -> list[Callable]:
    """Ask the order's other parts (its payment) whether it may close; returns their after-commit steps."""
    responses = unpaid_order_closing.send(
        sender=Order, order=order, actor=actor, label=label, withdraw_deposit=withdraw_deposit
    )
    return [after for _receiver, after in responses if callable(after)]


def _order_close_unpaid(*, order: Order, status: str) -> None:
    """Close a locked, still-unpaid order and return its stock. The status re-check under the lock is
    what makes this happen once, however many workers race for the same order."""
    items = list(order.items.filter(status=OrderItem.Status.PENDING_PAYMENT))
    order_items_release_stock(items=items)
    order.items.filter(pk__in=[item.pk for item in items]).update(status=OrderItem.Status.CANCELLED)
    order.status = status
    order.save(update_fields=["status", "updated_at"])


def order_cancel_unpaid(*, order_pk: int, actor: AbstractBaseUser) -> Order:
    """The buyer abandons an unpaid order; its stock returns.

    An approval nobody confirmed yet (separate approval) is withdrawn with it, once. Raises
    permission_denied (anyone but the buyer, sellers and staff included) and order_not_payable once it
    is paid, closed or has a virtual account issued. Retrying after success gives order_not_payable.
    """
    with transaction.atomic():
        order = order_lock(order_pk=order_pk)
        if order.buyer_id != actor.pk:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        if order.status != Order.Status.PENDING_PAYMENT:
            raise DomainError(ErrorCode.ORDER_NOT_PAYABLE, details={"status": order.status})
        # A virtual account under way refuses (order_not_payable): withdraw that payment instead.
        after_commit = _closing_order_hooks(order=order, actor=actor, label="buyer")
        _order_close_unpaid(order=order, status=Order.Status.CANCELLED)
    for step in after_commit:  # committed first: Bootpay is told after our side is settled
        step()
    return order


def order_expire_unpaid(*, now: datetime | None = None, batch_size: int = 200) -> list[str]:
    """Expire unpaid orders past `expires_at` and release their stock; returns the expired order ids.

    Safe to run from several workers at once: rows another worker holds are skipped, and each order is
    re-checked under its lock. An approval nobody confirmed in time is withdrawn with its order, once;
    orders with a virtual account awaiting deposit are left for the deposit or its own deadline.
    """
    now = now or timezone.now()
    expired: list[str] = []
    overdue = Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=now)
    after: tuple[datetime, int] | None = None
    # Batch after batch, each starting past the last one: orders left alone (a virtual account waiting for
    # its deposit stays overdue for days) must not fill every batch and starve the abandoned ones behind.
    while True:
        page = overdue
        if after is not None:
            page = page.filter(Q(expires_at__gt=after[0]) | Q(expires_at=after[0], pk__gt=after[1]))
        candidates = list(page.order_by("expires_at", "pk").values_list("expires_at", "pk")[:batch_size])
        for _, order_pk in candidates:
            if (order_id := _order_expire_one(order_pk=order_pk, now=now)) is not None:
                expired.append(order_id)
        if len(candidates) < batch_size:
            return expired
        after = candidates[-1]


def _order_expire_one(*, order_pk: int, now: datetime) -> str | None:
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=order_pk, status=Order.Status.PENDING_PAYMENT, expires_at__lte=now)
            .first()
        )
        if order is None:
            return None  # paid, closed or held by another run meanwhile
        try:
            after_commit = _closing_order_hooks(order=order, actor=None, label="expiry")
        except DomainError:
            return None  # a virtual account is waiting for its deposit
        _order_close_unpaid(order=order, status=Order.Status.EXPIRED)
    for step in after_commit:
        step()
    return order.order_id
