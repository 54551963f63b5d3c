from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info, relay

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
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


@strawberry.type
class CreateOrderMutation:
    @strawberry_django.mutation(description="Order products from one or more sellers; stock is reserved.")
    def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:  # noqa: A002
        def create(user) -> CreateOrderSuccess:
            lines = [
                OrderLine(
                    pk_or_invalid(line.product_id, field="productId", type_name="Product"), line.quantity
                )
                for line in input.items
            ]
            return CreateOrderSuccess(order=order_create(buyer=user, lines=lines))

        return as_signed_in_user(info, create)
