from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from config.errors import DomainError
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error, not_authenticated
from graphql_api.ids import pk_from
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
        user = current_user(info)
        if not user.is_authenticated:
            return not_authenticated()
        try:
            if (item_pk := pk_from(str(item_id))) is None:
                raise DomainError.invalid("itemId", "order line ids are numbers")
            order = order_get_visible(order_id=order_id, user=user)
            item = order_item_mark_shipped(order_pk=order.pk, item_pk=item_pk, actor=user)
        except DomainError as exc:
            return graphql_error(exc)
        return MarkItemShippedSuccess(item=item)
