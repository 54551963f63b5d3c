from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from payments.events.models import (
    Event,
    Notification,
    NotificationPreference,
    SandboxMessage,
    WebhookEndpoint,
    WebhookEndpointDelivery,
)
from payments.events.services.partner_webhooks import webhook_delivery_replay, webhook_endpoint_update


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox, read-only: events are facts; nothing here changes one."""

    list_display = ("event_id", "type", "aggregate", "created_at", "dispatched_at")
    list_filter = ("type",)
    search_fields = ("event_id", "aggregate")
    ordering = ("-pk",)
    readonly_fields = [field.name for field in Event._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Partner endpoints: enable, disable, change the URL or types. The secret is never shown here (the
    REST creation and rotation answers show it once); staff add endpoints through the REST API."""

    list_display = ("endpoint_id", "url", "seller", "enabled", "consecutive_failures", "failing_since")
    list_filter = ("enabled",)
    search_fields = ("endpoint_id", "url", "seller__name")
    fields = (
        "endpoint_id",
        "owner",
        "seller",
        "url",
        "event_types",
        "enabled",
        "disabled_reason",
        "previous_valid_until",
        "failing_since",
        "consecutive_failures",
        "created_at",
    )
    readonly_fields = (
        "endpoint_id",
        "owner",
        "seller",
        "previous_valid_until",
        "failing_since",
        "consecutive_failures",
        "created_at",
    )
    actions = ("disable_endpoints", "enable_endpoints")

    def has_add_permission(self, request) -> bool:
        return False  # a secret must be shown once to someone: POST /api/v1/webhook-endpoints/

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: URL rules (SSRF) and enabling again send what waited.
        changed = {name: form.cleaned_data[name] for name in ("url", "event_types", "enabled")}
        try:
            webhook_endpoint_update(endpoint=obj, actor=request.user, **changed)
        except DomainError as exc:
            self.message_user(request, f"Not saved: {exc.details or exc.code}", level=messages.ERROR)

    @admin.action(description=_("Disable the selected endpoints"))
    def disable_endpoints(self, request, queryset) -> None:
        for endpoint in queryset:
            webhook_endpoint_update(endpoint=endpoint, actor=request.user, enabled=False)

    @admin.action(description=_("Enable the selected endpoints (sends what waited)"))
    def enable_endpoints(self, request, queryset) -> None:
        for endpoint in queryset:
            webhook_endpoint_update(endpoint=endpoint, actor=request.user, enabled=True)


@admin.register(WebhookEndpointDelivery)
class WebhookEndpointDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only; replay sends a delivery again (same webhook-id)."""

    list_display = (
        "delivery_id",
        "endpoint",
        "event",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state",)
    search_fields = ("delivery_id", "endpoint__endpoint_id", "event__event_id", "aggregate")
    list_select_related = ("endpoint", "event")
    ordering = ("-pk",)
    readonly_fields = [field.name for field in WebhookEndpointDelivery._meta.fields]
    actions = ("replay_deliveries",)
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notices sent or due. Read-only but for one action: retry failed ones (a sent one is never resent)."""

    list_display = ("id", "event", "channel", "audience", "state", "skip_reason", "attempts", "sent_at")
    list_filter = ("state", "channel", "audience", "legal")
    search_fields = ("event__event_id",)
    ordering = ("-pk",)
    readonly_fields = [field.name for field in Notification._meta.fields]
    list_select_related = ("event",)
    raw_id_fields = ("event", "recipient", "seller")
    show_full_result_count = False
    actions = ["retry_failed"]

    @admin.action(description=_("Retry the failed notifications"))
    def retry_failed(self, request, queryset) -> None:
        count = queryset.filter(state=Notification.State.FAILED).update(
            state=Notification.State.PENDING, next_attempt_at=timezone.now(), attempts=0, error=""
        )
        self.message_user(request, _("%(count)d notifications will be sent again.") % {"count": count})

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay_deliveries(self, request, queryset) -> None:
        for delivery in queryset.select_related("endpoint"):
            webhook_delivery_replay(endpoint=delivery.endpoint, delivery_id=delivery.delivery_id)
        self.message_user(request, _("Replay queued."))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "email_opt_out", "alimtalk_opt_out", "updated_at")
    list_filter = ("language", "email_opt_out", "alimtalk_opt_out")
    raw_id_fields = ("user",)
    exclude = ("phone",)  # staff have no need to read a number; users set it through the API


@admin.register(SandboxMessage)
class SandboxMessageAdmin(admin.ModelAdmin):
    """What the sandbox 알림톡 channel would have sent (nothing left this server)."""

    list_display = ("id", "notification", "channel", "template_code", "to_masked", "created_at")
    list_filter = ("template_code",)
    ordering = ("-pk",)
    readonly_fields = [field.name for field in SandboxMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
