from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info, relay

from config.errors import DomainError
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error, not_authenticated
from graphql_api.ids import node_pk
from graphql_api.types import OrderType
from orders.services import OrderLine, order_create


@strawberry.input
class OrderLineInput:
    product_id: relay.GlobalID
    quantity: int


@strawberry.input
class CreateOrderInput:
    items: list[OrderLineInput]


@strawberry.type
class CreateOrderSuccess:
    order: OrderType


CreateOrderPayload = Annotated[
    CreateOrderSuccess | OperationError | InputError, strawberry.union("CreateOrderPayload")
]


def _product_pk(global_id: relay.GlobalID) -> int:
    if (pk := node_pk(global_id, "Product")) is None:
        raise DomainError.invalid("productId", "not a Product id")
    return pk


@strawberry.type
class CreateOrderMutation:
    @strawberry_django.mutation(description="Order products from one or more sellers; stock is reserved.")
    def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:  # noqa: A002
        user = current_user(info)
        if not user.is_authenticated:
            return not_authenticated()
        try:
            lines = [OrderLine(_product_pk(line.product_id), line.quantity) for line in input.items]
            order = order_create(buyer=user, lines=lines)
        except DomainError as exc:  # only our errors become data; anything else is a bug
            return graphql_error(exc)
        return CreateOrderSuccess(order=order)
