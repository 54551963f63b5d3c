from django.contrib import admin

from payments.models import Cancellation, Payment, PaymentEvent, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through `payments.services`; the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "actor_label", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt_id",
        "order",
        "status",
        "amount",
        "cancelled_amount",
        "method",
        "pg",
        "created_at",
    ]
    list_filter = ["status", "method", "sandbox"]
    search_fields = ["receipt_id", "order__order_id"]
    inlines = [PaymentEventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["payment", "kind", "from_status", "to_status", "actor", "actor_label", "created_at"]
    list_filter = ["kind"]


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    list_display = [
        "cancel_id",
        "payment",
        "amount",
        "tax_free_amount",
        "state",
        "created_at",
        "completed_at",
    ]
    list_filter = ["state"]
    search_fields = ["cancel_id", "payment__receipt_id"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["dedupe_key", "receipt_id", "state", "attempts", "received_at", "processed_at"]
    list_filter = ["state"]
    search_fields = ["receipt_id", "dedupe_key"]
