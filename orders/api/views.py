"""REST adapters for the catalogue and orders: parse, call a service or selector, serialize.

One class per operation. Django routes a path to one view, so operations sharing a path (GET/POST
`products/`, GET/PATCH `products/{id}/`, GET/POST `orders/`) are joined by a class that only inherits
them (`ProductCollectionApi`, …); each operation keeps its own serializers and schema.
Errors are never caught here: `DomainError` and DRF's exceptions become the envelope in `config/`.
"""

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.db_router import replica_reads
from config.errors import ErrorCode
from config.ids import PK_MAX
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from config.pagination import DefaultPagination, KeysetPagination, list_response
from orders.api.filters import OrderFilter, ProductFilter
from orders.api.serializers import CASH_RECEIPT_TYPE_CHOICES, OrderOutputSerializer, ProductOutputSerializer
from orders.models import Order, Product, SubscriptionInterval
from orders.selectors import (
    Role,
    order_get_visible,
    order_list_for_role,
    order_list_roles,
    product_get_visible,
    product_list_visible,
)
from orders.services import (
    PRODUCT_MAX_PRICE,
    PRODUCT_MAX_STOCK,
    SHIPPING_FIELD_MAX,
    OrderLine,
    order_cancel_unpaid,
    order_create,
    order_item_mark_shipped,
    product_create,
    product_update,
)

# --- Catalogue ------------------------------------------------------------------------------------


class ProductListApi(APIView):
    pagination_class = DefaultPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter
    queryset = Product.objects.none()  # model hint for the schema's filter types; rows come from the selector

    @extend_schema(
        operation_id="products_list",
        summary="List products",
        description="Active products; a seller also sees its own inactive ones, staff see all.",
        responses={200: ProductOutputSerializer(many=True)}
        | error_responses(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS),
    )
    @replica_reads()  # a list: may lag the primary by a moment (docs/scaling.md "Read replica")
    def get(self, request: Request) -> Response:
        return list_response(
            request=request,
            view=self,
            queryset=product_list_visible(user=request.user),
            serializer_class=ProductOutputSerializer,
        )


class SubscriptionIntervalField(serializers.ChoiceField):
    """`week`, `month` or `year`; null (or "") for a product not sold by subscription."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=SubscriptionInterval.choices,
            allow_null=True,
            allow_blank=True,
            help_text="Also sold by subscription, charged every week, month or year; null: not.",
            **kwargs,
        )

    def run_validation(self, data=serializers.empty):
        return super().run_validation(data) or ""  # the model keeps "not sold by subscription" as ""


class ProductCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        price = serializers.IntegerField(
            min_value=1, max_value=PRODUCT_MAX_PRICE, help_text="Unit price in won."
        )
        is_tax_free = serializers.BooleanField(default=False)
        stock = serializers.IntegerField(min_value=0, max_value=PRODUCT_MAX_STOCK, default=0)
        is_active = serializers.BooleanField(default=True)
        adult_only = serializers.BooleanField(
            default=False, help_text="Only a buyer verified as an adult may order it (청소년유해매체물)."
        )
        subscription_interval = SubscriptionIntervalField(default="")
        trial_days = serializers.IntegerField(
            min_value=0, max_value=365, default=0, help_text="Free days before a subscription's first charge."
        )

        class Meta:
            ref_name = "ProductCreate"

    @extend_schema(
        operation_id="products_create",
        summary="List a product in the caller's shop (sellers only)",
        request=InputSerializer,
        responses={201: ProductOutputSerializer}
        | error_responses(*BODY_ERRORS, ErrorCode.PERMISSION_DENIED, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = ProductCreateApi.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        product = product_create(actor=request.user, **payload.validated_data)
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    @extend_schema(
        operation_id="products_retrieve",
        summary="Get a product",
        description="Inactive products are `product_not_found` except for their seller and staff.",
        responses={200: ProductOutputSerializer}
        | error_responses(ErrorCode.PRODUCT_NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(ProductOutputSerializer(product_get_visible(product_id=id, user=request.user)).data)


class ProductUpdateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        price = serializers.IntegerField(min_value=1, max_value=PRODUCT_MAX_PRICE, required=False)
        is_tax_free = serializers.BooleanField(required=False)
        stock = serializers.IntegerField(min_value=0, max_value=PRODUCT_MAX_STOCK, required=False)
        is_active = serializers.BooleanField(required=False)
        adult_only = serializers.BooleanField(
            required=False, help_text="Only a buyer verified as an adult may order it (청소년유해매체물)."
        )
        subscription_interval = SubscriptionIntervalField(required=False)
        trial_days = serializers.IntegerField(
            min_value=0,
            max_value=365,
            required=False,
            help_text="Free days before a subscription's first charge.",
        )

        class Meta:
            ref_name = "ProductUpdate"

    @extend_schema(
        operation_id="products_update",
        summary="Change a product (its seller, or staff)",
        description=(
            "Only the fields sent change. Buyers get `permission_denied`; another seller's product is "
            "`product_not_found`."
        ),
        request=InputSerializer,
        responses={200: ProductOutputSerializer}
        | error_responses(
            *BODY_ERRORS, ErrorCode.PERMISSION_DENIED, ErrorCode.PRODUCT_NOT_FOUND, *ALWAYS_ERRORS
        ),
    )
    def patch(self, request: Request, id: int) -> Response:
        payload = ProductUpdateApi.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        product = product_update(product_id=id, actor=request.user, **payload.validated_data)
        return Response(ProductOutputSerializer(product).data)


class ProductCollectionApi(ProductListApi, ProductCreateApi):
    """`products/`: GET list, POST create."""


class ProductItemApi(ProductDetailApi, ProductUpdateApi):
    """`products/{id}/`: GET one, PATCH."""


# --- Orders ---------------------------------------------------------------------------------------


_LIST_ROLES = (Role.BUYER, Role.SELLER, Role.STAFF)


def _list_role(request: Request) -> tuple[Role, int | None]:
    """`?role=` (default: the caller's own role), checked against what the caller is."""
    default, seller_pk = order_list_roles(user=request.user)
    raw = request.query_params.get("role")
    if raw is None:
        return default, seller_pk
    if raw not in _LIST_ROLES:
        raise ValidationError({"role": [f"one of {', '.join(_LIST_ROLES)}"]})
    role = Role(raw)
    if role == Role.STAFF and default != Role.STAFF:
        raise ValidationError({"role": ["only staff list every order"]})
    if role == Role.SELLER and seller_pk is None:
        raise ValidationError({"role": ["the caller has no shop"]})
    return role, seller_pk


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter
    queryset = Order.objects.none()  # model hint for the schema's filter types; rows come from the selector

    @extend_schema(
        operation_id="orders_list",
        summary="List the orders the caller may see",
        description=(
            "One list per role, newest first. `role=buyer`: the caller's own orders (the default for a "
            "user without a shop). `role=seller`: the orders holding the caller's lines, showing only those "
            "lines (the default for a seller). `role=staff`: all orders (staff only; their default). "
            "Each order's `viewer_role` says how the caller sees it. Paged by `cursor` (see `next`)."
        ),
        parameters=[
            OpenApiParameter(
                "role",
                str,
                enum=[str(role) for role in _LIST_ROLES],
                description="Whose list: own purchases, the caller's shop's orders, or all (staff).",
            )
        ],
        responses={200: OrderOutputSerializer(many=True)}
        | error_responses(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS),
    )
    @replica_reads()  # a list: may lag the primary by a moment (docs/scaling.md "Read replica")
    def get(self, request: Request) -> Response:
        role, seller_pk = _list_role(request)
        return list_response(
            request=request,
            view=self,
            queryset=order_list_for_role(user=request.user, role=role, seller_pk=seller_pk),
            serializer_class=OrderOutputSerializer,
        )


class CashReceiptChoiceSerializer(serializers.Serializer):
    """The shape of a cash receipt choice; what the number must be is the cash receipts capability's rule
    (orders never imports payments: the choice reaches it through `order_create`'s `options`)."""

    type = serializers.ChoiceField(
        choices=CASH_RECEIPT_TYPE_CHOICES,
        help_text="소득공제 (a mobile phone or cash receipt card number), 지출증빙 (a business registration "
        "number, or a phone or card number), or none.",
    )
    identifier = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        # No max_length here: the cash receipts capability bounds it (40 characters as typed), so REST and
        # GraphQL refuse an overlong number with the same code, cash_receipt_identifier_invalid.
        help_text="Digits; dashes and spaces are ignored (at most 40 characters). Not needed for `none`.",
    )

    class Meta:
        ref_name = "CashReceiptChoice"


class OrderCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            product_id = serializers.IntegerField(min_value=1, max_value=PK_MAX)
            quantity = serializers.IntegerField(min_value=1, max_value=settings.ORDER_MAX_QUANTITY)

            class Meta:
                ref_name = "OrderCreateLine"

        # A ListField, not `many=True`: its min/max_length are validators, which drf-spectacular
        # documents as minItems/maxItems (a ListSerializer's are not).
        items = serializers.ListField(
            child=LineSerializer(), min_length=1, max_length=settings.ORDER_MAX_LINES
        )
        cash_receipt = CashReceiptChoiceSerializer(
            required=False,
            allow_null=True,
            help_text=(
                "현금영수증 for a virtual-account or bank-transfer payment, issued once the money arrives "
                "(ignored for other methods). Checked by the cash receipts capability: "
                "`cash_receipt_identifier_invalid` for a number the type does not take."
            ),
        )

        class Meta:
            ref_name = "OrderCreate"

    @extend_schema(
        operation_id="orders_create",
        summary="Create an order (reserves stock until paid or expired)",
        description=(
            "Amounts are computed from the catalogue's prices; the same product twice becomes one line. "
            "Pay it before `expires_at`."
        ),
        request=InputSerializer,
        responses={201: OrderOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.PRODUCT_NOT_FOUND,
            ErrorCode.PRODUCT_UNAVAILABLE,
            ErrorCode.INSUFFICIENT_STOCK,
            ErrorCode.CASH_RECEIPT_IDENTIFIER_INVALID,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request) -> Response:
        payload = OrderCreateApi.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        lines = [OrderLine(**line) for line in payload.validated_data["items"]]
        options = {}
        if (choice := payload.validated_data.get("cash_receipt")) is not None:
            options["cash_receipt"] = dict(choice)
        order = order_create(buyer=request.user, lines=lines, options=options)
        shown = order_get_visible(order_id=order.order_id, user=request.user)
        return Response(
            OrderOutputSerializer(shown, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class OrderCollectionApi(OrderListApi, OrderCreateApi):
    """`orders/`: GET list, POST create."""


def _order_response(request: Request, order_id: str) -> Response:
    """The order as this caller may see it, read fresh (after a change, its new state)."""
    order = order_get_visible(order_id=order_id, user=request.user)
    return Response(OrderOutputSerializer(order, context={"request": request}).data)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_retrieve",
        summary="Get an order",
        description="An order the caller may not see is `order_not_found`, never `permission_denied`.",
        responses={200: OrderOutputSerializer} | error_responses(ErrorCode.ORDER_NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request, order_id: str) -> Response:
        return _order_response(request, order_id)


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_cancel",
        summary="Abandon an unpaid order (its buyer); reserved stock returns",
        request=None,
        responses={200: OrderOutputSerializer}
        | error_responses(
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.ORDER_NOT_FOUND,
            ErrorCode.ORDER_NOT_PAYABLE,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, order_id: str) -> Response:
        order = order_get_visible(order_id=order_id, user=request.user)
        order_cancel_unpaid(order_pk=order.pk, actor=request.user)
        return _order_response(request, order_id)


class OrderItemShipApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        # Shape only; what the values must look like is the service's rule (REST and GraphQL alike).
        courier = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            max_length=SHIPPING_FIELD_MAX,
            help_text="택배사, e.g. CJ대한통운. Required (with tracking_number) for an escrow payment.",
        )
        tracking_number = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            max_length=SHIPPING_FIELD_MAX,
            help_text="송장번호: letters, digits and dashes. Give both or neither (escrow: both).",
        )

        class Meta:
            ref_name = "OrderItemShip"

    @extend_schema(
        operation_id="orders_items_ship",
        summary="Mark a paid order line shipped (its seller, or staff)",
        description=(
            "Once shipped, the buyer can no longer cancel that line. `courier` and `tracking_number` go "
            "together; an order paid by escrow needs both, and its first shipped line registers the "
            "shipment with Bootpay (the order's `escrow.status` says how that went: `pending` until "
            "Bootpay answers, retried by reconcile). A line a cancellation still in flight covers (naming "
            "it, or naming no lines) is `cancel_in_progress`, for every payment. Shipping a shipped line "
            "again with the same values changes nothing; other values are `validation_error`, except for "
            "the line whose escrow registration Bootpay refused (`escrow.status` `failed`): it is sent "
            "again with the new values."
        ),
        request=InputSerializer,
        responses={200: OrderOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.ORDER_NOT_FOUND,
            ErrorCode.NOT_FOUND,
            ErrorCode.CANCEL_IN_PROGRESS,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, order_id: str, item_id: int) -> Response:
        payload = OrderItemShipApi.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = order_get_visible(order_id=order_id, user=request.user)
        order_item_mark_shipped(
            order_pk=order.pk,
            item_pk=item_id,
            actor=request.user,
            courier=payload.validated_data.get("courier"),
            tracking_number=payload.validated_data.get("tracking_number"),
        )
        return _order_response(request, order_id)
