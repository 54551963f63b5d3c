"""Output serializers shared by the catalogue and order APIs (input serializers live on their views)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import ModelOutputSerializer
from orders.models import Order, OrderItem, Product, SubscriptionInterval
from orders.selectors import (
    CASH_RECEIPT_STATUSES,
    Role,
    order_cash_receipt,
    order_escrow,
    order_viewer_role,
    order_viewer_sees_totals,
)

# Named `ViewerRoleEnum` in the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
VIEWER_ROLE_CHOICES = [(role.value, role.value.title()) for role in (Role.BUYER, Role.SELLER, Role.STAFF)]


class ProductOutputSerializer(ModelOutputSerializer):
    seller_id = serializers.IntegerField(read_only=True)
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    subscription_interval = serializers.SerializerMethodField(
        help_text=(
            "Sold by subscription, charged every week, month or year (POST /api/v1/subscriptions/); null: "
            "not subscribable. Either way it can be ordered once."
        )
    )

    class Meta:
        model = Product
        ref_name = "Product"
        fields = [
            "id",
            "seller_id",
            "seller_name",
            "name",
            "price",
            "is_tax_free",
            "stock",
            "is_active",
            "adult_only",
            "subscription_interval",
            "trial_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SubscriptionInterval.choices, allow_null=True))
    def get_subscription_interval(self, product: Product) -> str | None:
        return product.subscription_interval or None


class OrderItemOutputSerializer(ModelOutputSerializer):
    product_id = serializers.IntegerField(read_only=True)
    seller_id = serializers.IntegerField(read_only=True)
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    line_total = serializers.IntegerField(read_only=True, help_text="unit_price × quantity, in won.")
    courier = serializers.SerializerMethodField(help_text="택배사 the line shipped with; null if none given.")
    tracking_number = serializers.SerializerMethodField(
        help_text="송장번호 of the parcel; null if none given."
    )
    shipped_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was marked shipped; null until then."
    )

    class Meta:
        model = OrderItem
        ref_name = "OrderItem"
        fields = [
            "id",
            "product_id",
            "product_name",
            "seller_id",
            "seller_name",
            "quantity",
            "unit_price",
            "line_total",
            "is_tax_free",
            "status",
            "shipped",
            "courier",
            "tracking_number",
            "shipped_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_courier(self, item: OrderItem) -> str | None:
        return item.courier or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tracking_number(self, item: OrderItem) -> str | None:
        return item.tracking_number or None


ESCROW_STATUS_CHOICES = [("pending", "Pending"), ("registered", "Registered"), ("failed", "Failed")]


class EscrowShippingOutputSerializer(serializers.Serializer):
    """The escrow (에스크로) registration of the order's payment with Bootpay."""

    status = serializers.ChoiceField(
        choices=ESCROW_STATUS_CHOICES,
        help_text=(
            "`pending`: no line shipped yet, or Bootpay not reached yet (retried by reconcile); "
            "`registered`: Bootpay has the shipment; `failed`: Bootpay refused it (`error_code`)."
        ),
    )
    courier = serializers.CharField(
        allow_null=True,
        help_text=(
            "택배사 registered (the first shipped line's); null for a seller other than that line's "
            "(only the buyer, staff and that seller see the parcel)."
        ),
    )
    tracking_number = serializers.CharField(
        allow_null=True, help_text="송장번호 registered; shown like `courier`."
    )
    registered_at = serializers.DateTimeField(allow_null=True, help_text="When Bootpay accepted it.")
    error_code = serializers.CharField(allow_null=True, help_text="Bootpay's error_code when it refused.")

    class Meta:
        ref_name = "EscrowShipping"


CASH_RECEIPT_TYPE_CHOICES = [
    ("income_deduction", "Income deduction"),
    ("expense_proof", "Expense proof"),
    ("none", "None"),
]


class CashReceiptOutputSerializer(serializers.Serializer):
    """The order's cash receipt (현금영수증); the identifier is only ever shown masked."""

    type = serializers.ChoiceField(
        choices=CASH_RECEIPT_TYPE_CHOICES,
        help_text="소득공제 (income_deduction), 지출증빙 (expense_proof), or none (withdrawn; see status).",
    )
    identifier_masked = serializers.CharField(
        allow_null=True, help_text="The number it is issued to, masked: 010-****-5678, 123-45-*****."
    )
    approval_no = serializers.CharField(allow_null=True, help_text="Bootpay's approval number once issued.")
    amount = serializers.IntegerField(
        allow_null=True, help_text="Won the live receipt covers (the money kept)."
    )
    status = serializers.ChoiceField(
        choices=[(value, value.replace("_", " ").capitalize()) for value in CASH_RECEIPT_STATUSES],
        help_text=(
            "`pending`: to be issued (money not received yet, or Bootpay not answered yet); `issued`; "
            "`failed`: Bootpay refused (staff retry); `cancelled`: refunded or withdrawn; "
            "`not_applicable`: paid by a method that is not cash."
        ),
    )
    issued_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "CashReceipt"


class OrderOutputSerializer(ModelOutputSerializer):
    """An order as the caller sees it: its buyer and staff see everything; a seller only its own lines."""

    # Needs context["request"] and an order from order_list_visible/order_get_visible (`visible_items`).

    viewer_role = serializers.SerializerMethodField(
        help_text=(
            "How the caller sees this order. `buyer` (own order) and `staff` see every line and the order's "
            "`total_amount`/`tax_free_amount`; `seller` sees only its own lines, those two are null and "
            "`seller_total` is the sum of its lines."
        )
    )
    total_amount = serializers.SerializerMethodField(help_text="Order total in won; null for a seller.")
    tax_free_amount = serializers.SerializerMethodField(help_text="Tax-free part in won; null for a seller.")
    seller_total = serializers.SerializerMethodField(
        help_text="Sum of the caller's own lines in won when `viewer_role` is `seller`; null otherwise."
    )
    items = OrderItemOutputSerializer(source="visible_items", many=True, read_only=True)
    escrow_eligible = serializers.BooleanField(
        read_only=True,
        help_text="May be paid by escrow (에스크로, 구매안전): all its lines come from one seller.",
    )
    escrow = serializers.SerializerMethodField(
        help_text="null unless paid by escrow; then the shipment's registration with Bootpay."
    )

    class Meta:
        model = Order
        ref_name = "Order"
        fields = [
            "order_id",
            "status",
            "viewer_role",
            "order_name",
            "total_amount",
            "tax_free_amount",
            "seller_total",
            "currency",
            "items",
            "escrow_eligible",
            "escrow",
            "cash_receipt",
            "expires_at",
            "paid_at",
            "created_at",
        ]
        read_only_fields = fields

    def _role(self, order: Order) -> Role:
        return order_viewer_role(order=order, user=self.context["request"].user)

    def _sees_totals(self, order: Order) -> bool:
        return order_viewer_sees_totals(order=order, user=self.context["request"].user)

    cash_receipt = serializers.SerializerMethodField(
        help_text="The cash receipt (현금영수증) for its buyer and staff, else null (also when none applies)."
    )

    @extend_schema_field(CashReceiptOutputSerializer(allow_null=True))
    def get_cash_receipt(self, order: Order) -> dict | None:
        shown = order_cash_receipt(order, user=self.context["request"].user)
        return None if shown is None else CashReceiptOutputSerializer(shown).data

    @extend_schema_field(EscrowShippingOutputSerializer(allow_null=True))
    def get_escrow(self, order: Order) -> dict | None:
        escrow = order_escrow(order, user=self.context["request"].user)
        return None if escrow is None else EscrowShippingOutputSerializer(escrow).data

    @extend_schema_field(serializers.ChoiceField(choices=VIEWER_ROLE_CHOICES))
    def get_viewer_role(self, order: Order) -> str:
        return self._role(order).value

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_total_amount(self, order: Order) -> int | None:
        return order.total_amount if self._sees_totals(order) else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_tax_free_amount(self, order: Order) -> int | None:
        return order.tax_free_amount if self._sees_totals(order) else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_seller_total(self, order: Order) -> int | None:
        if self._sees_totals(order):
            return None
        return sum(item.line_total for item in order.visible_items)
