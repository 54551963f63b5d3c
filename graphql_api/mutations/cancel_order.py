from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import OrderType
from orders.selectors import order_get_visible
from orders.services import order_cancel_unpaid


@strawberry.type
class CancelOrderSuccess:
    order: OrderType


CancelOrderPayload = Annotated[
    CancelOrderSuccess | OperationError | InputError, strawberry.union("CancelOrderPayload")
]


@strawberry.type
class CancelOrderMutation:
    @strawberry_django.mutation(
        description="The buyer abandons an unpaid order; its reserved stock returns (as REST orders cancel)."
    )
    def cancel_order(self, info: Info, order_id: str) -> CancelOrderPayload:
        def cancel(user) -> CancelOrderSuccess:
            order = order_get_visible(order_id=order_id, user=user)
            return CancelOrderSuccess(order=order_cancel_unpaid(order_pk=order.pk, actor=user))

        return as_signed_in_user(info, cancel)
