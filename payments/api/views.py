"""REST adapters for payments: parse, call a service, serialize. Rules live in payments.services.

Errors are never caught here: `DomainError` and DRF's exceptions become the envelope in `config/`.
"""

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.db_router import replica_reads
from config.errors import ErrorCode
from config.ids import PK_MAX
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from config.pagination import KeysetPagination, list_response
from payments.api.filters import PaymentFilter
from payments.api.serializers import (
    CancelOutputSerializer,
    CheckoutConfigOutputSerializer,
    PaymentOutputSerializer,
    PaymentSummarySerializer,
)
from payments.gateway import RefundAccount
from payments.models import Payment
from payments.selectors import (
    checkout_config,
    payment_detail,
    payment_detail_visible,
    payment_get_for_cancel,
    payment_get_visible,
    payment_list_visible,
)
from payments.services import payment_cancel, payment_confirm, payment_verify

_GATEWAY = (ErrorCode.GATEWAY_ERROR, ErrorCode.GATEWAY_UNAVAILABLE)


def _detail(payment: Payment) -> Response:
    return Response(PaymentOutputSerializer(payment_detail(payment_pk=payment.pk)).data)


class PaymentVerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        order_id = serializers.CharField(
            max_length=40, help_text="Our public order id, sent to Bootpay as order_id."
        )
        # Its format (Bootpay's alphabet) is checked by the service, for every adapter alike.
        receipt_id = serializers.CharField(max_length=64, help_text="The receipt id BootpayWidget returned.")

        class Meta:
            ref_name = "PaymentVerify"

    @extend_schema(
        operation_id="payments_verify",
        summary="Verify a Bootpay receipt and bind it to the buyer's order",
        description=(
            "Looks the receipt up at Bootpay and accepts it only when it names this order and its price, "
            "tax-free part and currency equal ours. A tampered amount, or a charge for an order that can no "
            "longer be paid, is refunded at Bootpay and refused. Idempotent for the same pair."
        ),
        request=InputSerializer,
        responses={200: PaymentOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.ORDER_NOT_FOUND,
            ErrorCode.AMOUNT_MISMATCH,
            ErrorCode.ORDER_NOT_PAYABLE,
            ErrorCode.RECEIPT_ALREADY_USED,
            ErrorCode.RECEIPT_ORDER_MISMATCH,
            ErrorCode.PAYMENT_FAILED,
            *_GATEWAY,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = payment_verify(actor=request.user, **payload.validated_data)
        return _detail(payment)


class PaymentListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = PaymentFilter
    queryset = Payment.objects.none()  # model hint for the schema; rows come from the selector

    @extend_schema(
        operation_id="payments_list",
        summary="List payments (own orders; staff: all)",
        responses={200: PaymentSummarySerializer(many=True)}
        | error_responses(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS),
    )
    @replica_reads()  # a list, shown only: no money decision reads it (docs/scaling.md "Read replica")
    def get(self, request: Request) -> Response:
        return list_response(
            request=request,
            view=self,
            queryset=payment_list_visible(user=request.user),  # the pagination orders: newest first
            serializer_class=PaymentSummarySerializer,
        )


class PaymentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="payments_retrieve",
        summary="One payment with its cancellations and event log",
        responses={200: PaymentOutputSerializer}
        | error_responses(ErrorCode.PAYMENT_NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request, payment_id: str) -> Response:
        payment = payment_detail_visible(public_id=payment_id, user=request.user)
        return Response(PaymentOutputSerializer(payment).data)


class PaymentConfirmApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="payments_confirm",
        summary="Approve a separately-confirmed payment (Bootpay status 2)",
        description="Re-checks the order and amounts, then approves through Bootpay. Safe to retry.",
        request=None,
        responses={200: PaymentOutputSerializer}
        | error_responses(
            ErrorCode.PAYMENT_NOT_FOUND,
            ErrorCode.PAYMENT_NOT_CONFIRMABLE,
            ErrorCode.AMOUNT_MISMATCH,
            ErrorCode.ORDER_NOT_PAYABLE,
            *_GATEWAY,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, payment_id: str) -> Response:
        payment = payment_get_visible(public_id=payment_id, user=request.user)
        return _detail(payment_confirm(payment_pk=payment.pk, actor=request.user))


class PaymentCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class RefundSerializer(serializers.Serializer):
            # Shape only: RefundAccount.problems() judges the account (the bank among refund_banks, the
            # number's digits), for REST and GraphQL alike, and names the field it refuses.
            bank_code = serializers.CharField(
                max_length=10, help_text="One of the checkout config's refund_banks codes, e.g. 004 (KB국민)."
            )
            bank_account = serializers.CharField(
                max_length=40,
                help_text="Account number; hyphens and spaces are dropped (see refund_account_rule).",
            )
            bank_username = serializers.CharField(max_length=100, help_text="Account holder's name.")

            class Meta:
                ref_name = "RefundAccount"

        amount = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=2**53,
            help_text="Won to cancel; leave out for the remainder.",
        )
        tax_free_amount = serializers.IntegerField(
            required=False, min_value=0, max_value=2**53, help_text="Staff only: the tax-free part of amount."
        )
        reason = serializers.CharField(max_length=200)
        items = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=PK_MAX),
            required=False,
            max_length=settings.ORDER_MAX_LINES,
            help_text="Order line ids to cancel whole (the amount is derived from them).",
        )
        refund = RefundSerializer(required=False, help_text="Refund account, needed for virtual accounts.")

        class Meta:
            ref_name = "PaymentCancel"

    @extend_schema(
        operation_id="payments_cancel",
        summary="Cancel all or part of a payment",
        description=(
            "Staff may cancel any amount or lines; a seller only its own lines; the buyer whole lines "
            "not yet shipped. The cancellation is stored with its cancel_id before Bootpay is called; "
            "when Bootpay does not answer (503) it stays `requested` and is settled by reconciliation. "
            "Send an `Idempotency-Key` header to make retries safe: the same key and body return the first "
            "outcome (one still unknown is first settled with Bootpay under the same cancel_id; 409 "
            "`cancel_in_progress` while another request is doing so); the same key with a different body is "
            "refused with 422 `idempotency_key_reused`. Each order line is refunded at most once, and "
            "neither the taxable nor the tax-free part is refunded beyond what was paid of it. A payment "
            "that took no money (an unpaid virtual account, an approval nobody confirmed) is withdrawn "
            "whole by its buyer or staff. Rules in docs/cancellations.md."
        ),
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Any unique string (≤100 chars) per intended cancellation.",
            )
        ],
        responses={200: CancelOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.PAYMENT_NOT_FOUND,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.PAYMENT_NOT_CANCELLABLE,
            ErrorCode.CANCEL_EXCEEDS_BALANCE,
            ErrorCode.CANCEL_IN_PROGRESS,
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            *_GATEWAY,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, payment_id: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = request.headers.get("Idempotency-Key") or None  # checked by the service, as for GraphQL
        payment = payment_get_for_cancel(public_id=payment_id, user=request.user)
        cancellation = payment_cancel(
            payment_pk=payment.pk,
            actor=request.user,
            reason=data["reason"],
            amount=data.get("amount"),
            tax_free_amount=data.get("tax_free_amount"),
            item_ids=data.get("items"),
            idempotency_key=key,
            refund=RefundAccount(**data["refund"]) if "refund" in data else None,
        )
        # A seller may cancel its lines but not read the buyer's payment.
        viewable = payment_list_visible(user=request.user).filter(pk=payment.pk).exists()
        return Response(
            CancelOutputSerializer(
                {
                    "cancellation": cancellation,
                    "payment": payment_detail(payment_pk=payment.pk) if viewable else None,
                }
            ).data
        )


class CheckoutConfigApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="checkout_config",
        summary="Public values the checkout needs to open Bootpay's payment window",
        description=(
            "Bootpay issues one application id per platform: the browser uses `web_application_id`, the apps "
            "their own. No private or secret key is ever part of this answer."
        ),
        responses={200: CheckoutConfigOutputSerializer} | error_responses(*ALWAYS_ERRORS),
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(CheckoutConfigOutputSerializer(checkout_config()).data)
