from django.contrib import admin

from payments.events.models import Event


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
