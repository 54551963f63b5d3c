"""Read side of the schema. Visibility comes from the types' `get_queryset`; these only narrow it."""

from collections.abc import Iterable
from enum import Enum

import strawberry
import strawberry_django
from strawberry import Info, relay
from strawberry_django.optimizer import optimize
from strawberry_django.relay import DjangoListConnection

from graphql_api.context import current_user
from graphql_api.types import OrderType, PaymentType, ProductType, UserType
from orders.models import Order, OrderItem
from orders.selectors import product_list_visible
from payments.models import Payment


@strawberry.enum(description="Sort order of `products`.")
class ProductOrdering(Enum):
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    NEWEST = "-created_at"
    OLDEST = "created_at"


@strawberry.type
class ProductConnection(DjangoListConnection[ProductType]):
    pass


@strawberry.type
class OrderConnection(DjangoListConnection[OrderType]):
    pass


@strawberry.type
class Query:
    @strawberry_django.field(
        description="A product by its global id (inactive ones: their seller and staff)."
    )
    def product(self, info: Info, id: relay.GlobalID) -> ProductType | None:  # noqa: A002 - relay's name
        if id.type_name != "Product" or not id.node_id.isdigit():
            return None
        visible = product_list_visible(user=current_user(info)).filter(pk=int(id.node_id))
        return optimize(visible, info).first()

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
            products = products.filter(seller_id=seller_id.node_id)
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
