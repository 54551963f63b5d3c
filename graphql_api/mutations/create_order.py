from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info, relay

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.ids import pk_or_invalid
from graphql_api.types import OrderType
from orders.services import OrderLine, order_create

# The services' field names → this mutation's arguments.
CASH_RECEIPT_FIELDS = {
    "cash_receipt.type": "cashReceipt.type",
    "cash_receipt.identifier": "cashReceipt.identifier",
}


@strawberry.input
class OrderLineInput:
    product_id: relay.GlobalID
    quantity: int


@strawberry.input(
    description="현금영수증 for a virtual-account or bank-transfer payment (REST's `cash_receipt`)."
)
class CashReceiptInput:
    type: str | None = strawberry.field(default=None, description="income_deduction | expense_proof | none")
    identifier: str | None = strawberry.field(
        default=None, description="Phone, cash receipt card or business registration number; not for none."
    )


@strawberry.input
class CreateOrderInput:
    items: list[OrderLineInput]
    cash_receipt: CashReceiptInput | None = strawberry.field(
        default=None, description="Issued once the money arrives (cash-like methods only)."
    )


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
            options = {}
            if input.cash_receipt is not None:
                choice = input.cash_receipt
                options["cash_receipt"] = {"type": choice.type, "identifier": choice.identifier}
            return CreateOrderSuccess(order=order_create(buyer=user, lines=lines, options=options))

        return as_signed_in_user(info, create, field_names=CASH_RECEIPT_FIELDS)
