from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.types import CashReceiptType, OrderType
from orders.selectors import order_cash_receipt, order_get_visible
from payments.cash_receipts.services import cash_receipt_request


@strawberry.type
class RequestCashReceiptSuccess:
    order: OrderType
    cash_receipt: CashReceiptType | None


RequestCashReceiptPayload = Annotated[
    RequestCashReceiptSuccess | OperationError | InputError, strawberry.union("RequestCashReceiptPayload")
]


@strawberry.type
class RequestCashReceiptMutation:
    @strawberry_django.mutation(
        description=(
            "Request, change (cancel and re-issue) or withdraw (`none`) the cash receipt of a paid cash "
            "order, "
            "as REST POST orders/{order_id}/cash-receipt/ (same codes)."
        )
    )
    def request_cash_receipt(
        self,
        info: Info,
        order_id: str,
        type: str,
        identifier: str | None = None,  # noqa: A002
    ) -> RequestCashReceiptPayload:
        def request(user) -> RequestCashReceiptSuccess:
            order = order_get_visible(order_id=order_id, user=user)
            cash_receipt_request(order_pk=order.pk, actor=user, type=type, identifier=identifier)
            order = order_get_visible(order_id=order_id, user=user)
            shown = order_cash_receipt(order, user=user)
            return RequestCashReceiptSuccess(
                order=order, cash_receipt=CashReceiptType(**shown.__dict__) if shown else None
            )

        return as_signed_in_user(info, request)
