"""Read side of the schema. Visibility comes from the types' `get_queryset`; these only narrow it."""

from collections.abc import Iterable, Sized
from dataclasses import asdict
from enum import Enum

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import Info, relay
from strawberry.relay.types import PREFIX  # the cursor prefix strawberry writes (`arrayconnection`)
from strawberry_django.optimizer import optimize
from strawberry_django.relay import DjangoListConnection

from config.errors import DomainError
from config.pagination import LIST_COUNT_CAP
from graphql_api.context import current_user
from graphql_api.ids import node_pk, pk_or_invalid
from graphql_api.types import CheckoutConfigType, OrderType, PaymentType, ProductType, UserType
from orders.models import Order, OrderItem
from orders.selectors import product_list_visible
from payments.models import Payment
from payments.selectors import checkout_config


@strawberry.enum(description="Sort order of `products`.")
class ProductOrdering(Enum):
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    NEWEST = "-created_at"
    OLDEST = "created_at"


# Past the last row a cursor just gives an empty page; beyond this, the OFFSET/LIMIT built from it would not
# fit PostgreSQL's bigint (DataError).
_CURSOR_MAX_OFFSET = 2**62


def _check_cursor(name: str, cursor: str | None) -> None:
    """Only cursors this API hands out (`arrayconnection:<offset>`, base64) reach the database."""
    if cursor is None:
        return
    try:
        prefix, offset = relay.from_base64(cursor)
    except ValueError:
        prefix, offset = None, ""
    if prefix != PREFIX or not (offset.isascii() and offset.isdigit()) or int(offset) > _CURSOR_MAX_OFFSET:
        raise DomainError.invalid(name, "not a cursor from this list")


@strawberry.type
class CheckedConnection(DjangoListConnection[relay.NodeType]):
    """A connection whose `before`/`after` are checked first: a malformed one is `validation_error`."""

    @classmethod
    def resolve_connection(
        cls, nodes, *, info: Info, before: str | None = None, after: str | None = None, **kwargs
    ):
        _check_cursor("before", before)
        _check_cursor("after", after)
        return super().resolve_connection(nodes, info=info, before=before, after=after, **kwargs)


@strawberry.type
class ProductConnection(CheckedConnection[ProductType]):
    pass


@strawberry.type
class OrderConnection(CheckedConnection[OrderType]):
    """Orders, with `totalCount` exact up to LIST_COUNT_CAP (as REST's `count`).

    strawberry-django computes `totalCount` as `COUNT(*) OVER ()` on the page query, which reads every
    matching row before the LIMIT (a large shop's whole history). Here the page query stays a plain LIMIT
    and `totalCount` is a separate count over at most LIST_COUNT_CAP + 1 rows.
    """

    @strawberry.field(
        description=f"How many orders the list holds: exact up to {LIST_COUNT_CAP}; beyond, {LIST_COUNT_CAP}."
    )
    def total_count(self) -> int | None:
        if isinstance(self.nodes, QuerySet):
            return min(self.nodes.order_by()[: LIST_COUNT_CAP + 1].count(), LIST_COUNT_CAP)
        return len(self.nodes) if isinstance(self.nodes, Sized) else None

    @classmethod
    def resolve_connection(
        cls,
        nodes,
        *,
        info: Info,
        before: str | None = None,
        after: str | None = None,
        last: int | None = None,
        **kwargs,
    ):
        _check_cursor("before", before)
        _check_cursor("after", after)
        if not isinstance(nodes, QuerySet) or ((last or 0) > 0 and before is None):
            return super().resolve_connection(
                nodes, info=info, before=before, after=after, last=last, **kwargs
            )
        # strawberry's own slicing, without strawberry-django's whole-list window count.
        connection = relay.ListConnection.resolve_connection.__func__(
            cls, nodes, info=info, before=before, after=after, last=last, **kwargs
        )
        connection.nodes = nodes
        return connection


@strawberry.type
class Query:
    @strawberry_django.field(
        description="A product by its global id (inactive ones: their seller and staff)."
    )
    def product(self, info: Info, id: relay.GlobalID) -> ProductType | None:  # noqa: A002 - relay's name
        if (pk := node_pk(id, "Product")) is None:
            return None  # another type's id, or a pk no row can have
        return optimize(product_list_visible(user=current_user(info)).filter(pk=pk), info).first()

    @strawberry_django.connection(ProductConnection, description="The catalogue, newest first by default.")
    def products(
        self,
        info: Info,
        seller_id: relay.GlobalID | None = None,
        active: bool | None = None,
        min_price: int | None = None,
        max_price: int | None = None,
        ordering: ProductOrdering | None = None,
    ) -> Iterable[ProductType]:
        products = product_list_visible(user=current_user(info))  # inactive: their seller and staff only
        if seller_id is not None:
            products = products.filter(
                seller_id=pk_or_invalid(seller_id, field="sellerId", type_name="Seller")
            )
        if active is not None:
            products = products.filter(is_active=active)
        if min_price is not None:
            products = products.filter(price__gte=min_price)
        if max_price is not None:
            products = products.filter(price__lte=max_price)
        return products.order_by(ordering.value if ordering else "-created_at", "-pk")

    @strawberry_django.connection(OrderConnection, description="The caller's own orders, newest first.")
    def my_orders(self, info: Info, status: str | None = None) -> Iterable[OrderType]:
        user = current_user(info)
        orders = Order.objects.filter(buyer=user) if user.is_authenticated else Order.objects.none()
        if status:
            orders = orders.filter(status=status)
        return orders.order_by("-created_at", "-pk")

    @strawberry_django.connection(
        OrderConnection, description="Orders containing the calling seller's lines (only those lines show)."
    )
    def seller_orders(self, info: Info, status: str | None = None) -> Iterable[OrderType]:
        user = current_user(info)
        if not user.is_authenticated:
            return Order.objects.none()
        orders = Order.objects.filter(pk__in=OrderItem.objects.filter(seller__user=user).values("order_id"))
        if status:
            orders = orders.filter(status=status)
        return orders.order_by("-created_at", "-pk")

    @strawberry_django.field(description="One order the caller may see, by its public order id.")
    def order(self, info: Info, order_id: str) -> OrderType | None:
        return optimize(OrderType.get_queryset(Order.objects.filter(order_id=order_id), info), info).first()

    @strawberry_django.field(description="One payment (buyer or staff), by its public payment id (pay_…).")
    def payment(self, info: Info, id: strawberry.ID) -> PaymentType | None:  # noqa: A002 - the API's name
        return optimize(PaymentType.get_queryset(Payment.objects.filter(public_id=id), info), info).first()

    @strawberry_django.field(description="The signed-in user, or null.")
    def me(self, info: Info) -> UserType | None:
        user = current_user(info)
        return user if user.is_authenticated else None

    @strawberry.field(description="Public values the checkout needs (never a private key).")
    def checkout_config(self) -> CheckoutConfigType:
        return CheckoutConfigType(**asdict(checkout_config()))
