from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
from graphql_api.types import OrderItemType
from orders.selectors import order_get_visible
from orders.services import order_item_mark_shipped


@strawberry.type
class MarkItemShippedSuccess:
    item: OrderItemType


MarkItemShippedPayload = Annotated[
    MarkItemShippedSuccess | OperationError | InputError, strawberry.union("MarkItemShippedPayload")
]


@strawberry.type
class MarkItemShippedMutation:
    @strawberry_django.mutation(
        description="The line's seller (or staff) marks a paid line shipped: the buyer can't cancel it then."
    )
    def mark_item_shipped(self, info: Info, order_id: str, item_id: strawberry.ID) -> MarkItemShippedPayload:
        def ship(user) -> MarkItemShippedSuccess:
            item_pk = pk_or_invalid(item_id, field="itemId")
            order = order_get_visible(order_id=order_id, user=user)
            return MarkItemShippedSuccess(
                item=order_item_mark_shipped(order_pk=order.pk, item_pk=item_pk, actor=user)
            )

        return as_signed_in_user(info, ship)
