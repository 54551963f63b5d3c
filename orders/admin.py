from django.contrib import admin

from orders.models import Order, OrderItem, Product, Seller


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at"]
    search_fields = ["name", "user__username"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "seller", "price", "is_tax_free", "stock", "is_active"]
    list_filter = ["is_active", "is_tax_free", "seller"]
    search_fields = ["name"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = ["product", "seller", "product_name", "quantity", "unit_price", "is_tax_free", "status"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_id",
        "buyer",
        "status",
        "total_amount",
        "tax_free_amount",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status"]
    search_fields = ["order_id", "buyer__username"]
    inlines = [OrderItemInline]
    # Amounts and status move only through the services (stock and payments depend on them).
    readonly_fields = [
        "order_id",
        "buyer",
        "status",
        "order_name",
        "total_amount",
        "tax_free_amount",
        "currency",
        "expires_at",
        "paid_at",
    ]
