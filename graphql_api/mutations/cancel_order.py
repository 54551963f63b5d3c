from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from config.errors import DomainError
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error, not_authenticated
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
        user = current_user(info)
        if not user.is_authenticated:
            return not_authenticated()
        try:
            order = order_get_visible(order_id=order_id, user=user)
            order = order_cancel_unpaid(order_pk=order.pk, actor=user)
        except DomainError as exc:
            return graphql_error(exc)
        return CancelOrderSuccess(order=order)
