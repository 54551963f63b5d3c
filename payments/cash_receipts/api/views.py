"""REST adapter of cash receipts: parse, call the service, serialize (docs/cash-receipts.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorCode
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from orders.api.serializers import CashReceiptOutputSerializer
from orders.api.views import CashReceiptChoiceSerializer
from orders.selectors import order_cash_receipt_shown, order_get_visible
from payments.cash_receipts.services import cash_receipt_request


class OrderCashReceiptRequestApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(CashReceiptChoiceSerializer):
        class Meta:
            ref_name = "CashReceiptRequest"

    @extend_schema(
        operation_id="orders_cash_receipt_request",
        summary="Request, change or withdraw the cash receipt of a paid cash order (its buyer, or staff)",
        description=(
            "For a virtual-account or bank-transfer payment that holds money, within "
            "`CASH_RECEIPT_REQUEST_DAYS` (5) days of the money arriving. A live receipt with another number "
            "or type is cancelled and a new one issued; `none` withdraws it (a sale of 100,000 won or more "
            "is then issued to the tax office's number, 자진발급). Answers the receipt: `pending` when "
            "Bootpay has not answered yet (retried automatically). A seller of the order gets "
            "`permission_denied`; an order the caller may not see is `order_not_found`."
        ),
        request=InputSerializer,
        responses={200: CashReceiptOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.CASH_RECEIPT_IDENTIFIER_INVALID,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.ORDER_NOT_FOUND,
            ErrorCode.CASH_RECEIPT_NOT_APPLICABLE,
            ErrorCode.CASH_RECEIPT_IN_PROGRESS,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, order_id: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = order_get_visible(order_id=order_id, user=request.user)
        cash_receipt_request(
            order_pk=order.pk,
            actor=request.user,
            type=payload.validated_data["type"],
            identifier=payload.validated_data.get("identifier"),
        )
        order = order_get_visible(order_id=order_id, user=request.user)
        shown = order_cash_receipt_shown(order)
        return Response(None if shown is None else CashReceiptOutputSerializer(shown).data)
