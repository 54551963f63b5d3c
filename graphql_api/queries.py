"""Read side of the schema. Visibility comes from the types' `get_queryset`; these only narrow it."""

from collections.abc import Iterable
from enum import Enum
from functools import cache

import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from strawberry import Info, relay
from strawberry.relay.utils import should_resolve_list_connection_edges
from strawberry.utils.inspect import in_async_context
from strawberry_django.optimizer import optimize
from strawberry_django.relay.utils import resolve_edge_class

from config.errors import DomainError
from config.keyset import InvalidCursor, Keyset
from config.keyset import keyset as config_keyset
from config.pagination import LIST_COUNT_CAP
from graphql_api.checkout_config import CheckoutConfigType
from graphql_api.context import current_user
from graphql_api.ids import node_pk, pk_or_invalid
from graphql_api.permissions import SIGNED_IN_ONLY, signed_in
from graphql_api.replica import replica_reads_field
from graphql_api.types import (
    BillingKeyType,
    OrderType,
    PaymentType,
    ProductType,
    SubscriptionType,
    UserType,
)
from orders.models import Order
from orders.selectors import order_list_of_seller, product_list_visible, seller_pk_of
from payments.billing.models import Subscription
from payments.billing.selectors import billing_key_list_visible
from payments.models import Payment
from payments.selectors import checkout_config


@strawberry.enum(description="Sort order of `products`.")
class ProductOrdering(Enum):
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    NEWEST = "-created_at"
    OLDEST = "created_at"


def _cursor_key(name: str, cursor: str | None, keyset: Keyset, tag: str) -> tuple | None:
    """The key a `before`/`after` cursor holds: only cursors this list hands out reach the database."""
    if cursor is None:
        return None
    try:
        return keyset.decode(cursor, (tag,))[1]
    except InvalidCursor:
        raise DomainError.invalid(name, "not a cursor from this list") from None


def _page_size(name: str, value: int | None, max_results: int) -> None:
    # strawberry's own checks and messages (graphql_api.errors answers them as validation_error)
    if value is not None and value < 0:
        raise ValueError(f"Argument '{name}' must be a non-negative integer.")
    if value is not None and value > max_results:
        raise ValueError(f"Argument '{name}' cannot be higher than {max_results}.")


# A connection class's edge type is fixed once the schema is built; strawberry-django's helper resolves the
# `edges` annotation again on every call (about 2% of a `myOrders` request's CPU).
_edge_class = cache(resolve_edge_class)


def _capped_count(nodes: QuerySet | None) -> int | None:
    if nodes is None:
        return None
    return min(nodes.order_by()[: LIST_COUNT_CAP + 1].count(), LIST_COUNT_CAP)


@strawberry.type
class KeysetConnection(relay.ListConnection[relay.NodeType]):
    """A Relay connection paged by keyset (config.keyset, the rule REST's cursor lists use).

    The resolver returns a QuerySet ordered by model fields ending with the pk; an edge's cursor holds its
    node's values of those fields, tagged with the model and the ordering, so a cursor of another list or
    ordering (or an old `arrayconnection:<offset>` one) is `validation_error`. `after`/`before` select the
    rows strictly after/before that key; `first: N` reads the first N of them, `last: N` the last N (in
    reverse order with a LIMIT, turned back), so a page is one query with a LIMIT (the optimizer's
    prefetches follow it), never an OFFSET or a count of the whole list.

    `pageInfo`: `hasNextPage` is true when `first` found more than N rows, or whenever `before` was given;
    `hasPreviousPage` when `last` found more than N rows, or whenever `after` was given (Relay allows a
    server to answer true there without looking; we do, rather than spend a query on it).
    """

    nodes: strawberry.Private[QuerySet | None] = None

    @classmethod
    def resolve_connection(
        cls,
        nodes,
        *,
        info: Info,
        before: str | None = None,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        max_results: int | None = None,
        **kwargs,
    ):
        if not isinstance(nodes, QuerySet):
            raise TypeError(f"{cls.__name__} pages a QuerySet, not {type(nodes).__name__}")
        query = nodes.query
        ordering = query.order_by or (nodes.model._meta.ordering if query.default_ordering else ())
        keyset = config_keyset(nodes.model, tuple(ordering))
        tag = f"{nodes.model._meta.model_name}:{','.join(keyset.ordering)}"
        before_key = _cursor_key("before", before, keyset, tag)
        after_key = _cursor_key("after", after, keyset, tag)
        max_results = max_results if max_results is not None else info.schema.config.relay_max_results
        _page_size("first", first, max_results)
        _page_size("last", last, max_results)
        if not should_resolve_list_connection_edges(info):  # only `totalCount`: no page query
            return cls(
                edges=[],
                page_info=relay.PageInfo(
                    start_cursor=None, end_cursor=None, has_previous_page=False, has_next_page=False
                ),
                nodes=nodes,
            )

        def resolve():
            if first is None and last is not None:  # the last N: read backwards
                rows, more = keyset.page(nodes, after=after_key, before=before_key, size=last, backward=True)
                has_previous, has_next = more or after_key is not None, before_key is not None
            else:
                size = max_results if first is None else first
                rows, more = keyset.page(nodes, after=after_key, before=before_key, size=size)
                has_previous, has_next = after_key is not None, more or before_key is not None
                if last is not None and len(rows) > last:  # both (Relay: `first` applies first)
                    rows, has_previous = rows[len(rows) - last :], True
            edge_class = _edge_class(cls)
            edges = [
                edge_class(cursor=keyset.cursor(tag, row), node=cls.resolve_node(row, info=info, **kwargs))
                for row in rows
            ]
            return cls(
                edges=edges,
                page_info=relay.PageInfo(
                    start_cursor=edges[0].cursor if edges else None,
                    end_cursor=edges[-1].cursor if edges else None,
                    has_previous_page=has_previous,
                    has_next_page=has_next,
                ),
                nodes=nodes,
            )

        return sync_to_async(resolve)() if in_async_context() else resolve()


@strawberry.type
class ProductConnection(KeysetConnection[ProductType]):
    @strawberry.field(
        description=(
            f"How many products the list holds: exact up to {LIST_COUNT_CAP}; beyond, {LIST_COUNT_CAP}."
        )
    )
    def total_count(self) -> int | None:
        return _capped_count(self.nodes)


@strawberry.type
class OrderConnection(KeysetConnection[OrderType]):
    """Orders, with `totalCount` exact up to LIST_COUNT_CAP (as REST's `count`).

    A separate count over at most LIST_COUNT_CAP + 1 rows, not strawberry-django's `COUNT(*) OVER ()` on the
    page query (which reads every matching row before the LIMIT: a large shop's whole history).
    """

    @strawberry.field(
        description=f"How many orders the list holds: exact up to {LIST_COUNT_CAP}; beyond, {LIST_COUNT_CAP}."
    )
    def total_count(self) -> int | None:
        return _capped_count(self.nodes)


@strawberry.type
class BillingKeyConnection(KeysetConnection[BillingKeyType]):
    @strawberry.field(description="How many cards the list holds.")
    def total_count(self) -> int | None:
        return _capped_count(self.nodes)


@strawberry.type
class SubscriptionConnection(KeysetConnection[SubscriptionType]):
    @strawberry.field(
        description=(
            f"How many subscriptions the list holds: exact up to {LIST_COUNT_CAP}; beyond, {LIST_COUNT_CAP}."
        )
    )
    def total_count(self) -> int | None:
        return _capped_count(self.nodes)


@strawberry.type
class Query:
    @strawberry_django.field(
        description="A product by its global id (inactive ones: their seller and staff)."
    )
    def product(self, info: Info, id: relay.GlobalID) -> ProductType | None:  # noqa: A002 - relay's name
        if (pk := node_pk(id, "Product")) is None:
            return None  # another type's id, or a pk no row can have
        return optimize(product_list_visible(user=current_user(info)).filter(pk=pk), info).first()

    @replica_reads_field
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

    @replica_reads_field
    @strawberry_django.connection(
        OrderConnection,
        description=f"The caller's own orders, newest first. {SIGNED_IN_ONLY}",
        extensions=[signed_in()],
    )
    def my_orders(self, info: Info, status: str | None = None) -> Iterable[OrderType]:
        orders = Order.objects.filter(buyer=current_user(info))
        if status:
            orders = orders.filter(status=status)
        return orders.order_by("-created_at", "-pk")

    @replica_reads_field
    @strawberry_django.connection(
        OrderConnection,
        description=(
            f"Orders containing the calling seller's lines (only those lines show). {SIGNED_IN_ONLY}"
        ),
        extensions=[signed_in()],
    )
    def seller_orders(self, info: Info, status: str | None = None) -> Iterable[OrderType]:
        orders = order_list_of_seller(seller=seller_pk_of(current_user(info)))  # one index range a page
        if status:
            orders = orders.filter(status=status)
        return orders.order_by("-created_at", "-pk")

    @strawberry_django.connection(
        BillingKeyConnection,
        description=f"The caller's registered cards, newest first (removed ones left out). {SIGNED_IN_ONLY}",
        extensions=[signed_in()],
    )
    def my_billing_keys(self, info: Info) -> Iterable[BillingKeyType]:
        return billing_key_list_visible(user=current_user(info))

    @strawberry_django.connection(
        SubscriptionConnection,
        description=f"The caller's own subscriptions, newest first, with their charges. {SIGNED_IN_ONLY}",
        extensions=[signed_in()],
    )
    def my_subscriptions(self, info: Info, status: str | None = None) -> Iterable[SubscriptionType]:
        subscriptions = Subscription.objects.filter(buyer=current_user(info))
        if status:
            subscriptions = subscriptions.filter(status=status)
        return subscriptions.order_by("-created_at", "-pk")

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
        return CheckoutConfigType.of(checkout_config())
