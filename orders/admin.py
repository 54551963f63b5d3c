"""Staff console for the catalogue and orders.

Sellers and products are managed here (a product's price is the catalogue's). Orders are shown, never
edited: their amounts, lines and status move only through the services (stock and payments depend on
them). `payments.admin` adds the payments of an order to its page, so this module needs no payments.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ShownOnly
from orders.models import Order, OrderItem, Product, Seller


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "seller",
        "price",
        "is_tax_free",
        "adult_only",
        "stock",
        "is_active",
        "created_at",
    ]
    list_select_related = ["seller"]
    list_filter = ["is_active", "is_tax_free", "adult_only", "created_at"]
    search_fields = ["name", "seller__name"]
    autocomplete_fields = ["seller"]


class OrderItemInline(ShownOnly, admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = [
        "product",
        "seller",
        "product_name",
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
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "seller")

    @admin.display(description=_("line total"))
    def line_total(self, item: OrderItem) -> int:
        return item.line_total


@admin.register(Order)
class OrderAdmin(ShownOnly, admin.ModelAdmin):
    list_display = [
        "order_id",
        "buyer",
        "status",
        "total_amount",
        "tax_free_amount",
        "created_at",
        "paid_at",
        "expires_at",
    ]
    list_select_related = ["buyer"]
    list_filter = ["status", "created_at", "paid_at"]
    date_hierarchy = "created_at"
    search_fields = ["order_id", "buyer__username", "buyer__email", "items__seller__name"]
    search_help_text = _("Order id, buyer username or email, seller name.")
    inlines = [OrderItemInline]
    fields = [
        "order_id",
        "buyer",
        "status",
        "order_name",
        "total_amount",
        "tax_free_amount",
        "currency",
        "seller_count",
        "created_at",
        "expires_at",
        "paid_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("buyer")
