from rest_framework import serializers

from payments.events.models import EventType


class EventOutputSerializer(serializers.Serializer):
    """An event as the catch-up list and every webhook body carry it (`selectors.event_envelope`)."""

    id = serializers.CharField(help_text="Stable event id (`evt_…`): deduplicate on it; also `webhook-id`.")
    type = serializers.ChoiceField(choices=EventType.choices)
    created_at = serializers.DateTimeField()
    data = serializers.JSONField(help_text="A snapshot when it happened; per type in docs/events.md.")

    class Meta:
        ref_name = "Event"
