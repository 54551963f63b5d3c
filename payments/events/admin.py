from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.events.models import Event, Notification, NotificationPreference, SandboxMessage


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
