from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
from graphql_api.types import OrderItemType, OrderType
from orders.selectors import order_get_visible
from orders.services import order_item_mark_shipped


@strawberry.type
class MarkItemShippedSuccess:
    item: OrderItemType
    order: OrderType = strawberry.field(description="The order after the shipment (its `escrow` state).")


MarkItemShippedPayload = Annotated[
    MarkItemShippedSuccess | OperationError | InputError, strawberry.union("MarkItemShippedPayload")
]


@strawberry.type
class MarkItemShippedMutation:
    @strawberry_django.mutation(
        description=(
            "The line's seller (or staff) marks a paid line shipped: the buyer can't cancel it then. "
            "courier (택배사) and trackingNumber (송장번호) go together; an escrow payment needs both, "
            "and its first shipped line registers the shipment with Bootpay (see `order.escrow`). "
            "A line a cancellation in flight covers: cancel_in_progress. Again with the same values: "
            "no change; with other values: validation_error, except for the line whose escrow "
            "registration Bootpay refused (escrow.status failed): sent again with the new values."
        )
    )
    def mark_item_shipped(
        self,
        info: Info,
        order_id: str,
        item_id: strawberry.ID,
        courier: str | None = None,
        tracking_number: str | None = None,
    ) -> MarkItemShippedPayload:
        def ship(user) -> MarkItemShippedSuccess:
            item_pk = pk_or_invalid(item_id, field="itemId")
            order = order_get_visible(order_id=order_id, user=user)
            item = order_item_mark_shipped(
                order_pk=order.pk,
                item_pk=item_pk,
                actor=user,
                courier=courier,
                tracking_number=tracking_number,
            )
            return MarkItemShippedSuccess(item=item, order=order_get_visible(order_id=order_id, user=user))

        return as_signed_in_user(info, ship, field_names={"tracking_number": "trackingNumber"})
