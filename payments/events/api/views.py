"""REST adapter for the events catch-up list (docs/events.md)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorCode
from config.filters import StrictFilterSet
from config.openapi import ALWAYS_ERRORS, error_responses
from config.pagination import KeysetPagination, list_response
from payments.events.api.serializers import EventOutputSerializer
from payments.events.models import Event, EventType
from payments.events.selectors import event_envelope, event_list_visible


class EventPagination(KeysetPagination):
    """In dispatch order (`Event.sequence`, numbered in commit order): a partner walks forward from where
    it stopped (`next`) and never misses a row that commits later."""

    ordering = ("sequence", "pk")


class EventFilter(StrictFilterSet):  # `?type=` sent empty is a 400, not the whole list
    type = filters.MultipleChoiceFilter(choices=EventType.choices, help_text="Only these types (repeat it).")

    class Meta:
        model = Event
        fields = ["type"]


class EventListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = EventPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EventFilter
    queryset = Event.objects.none()  # model hint for the schema; rows come from the selector

    @extend_schema(
        operation_id="events_list",
        summary="Domain events, oldest first: catch up after downtime",
        description=(
            "The same events partner webhooks deliver, with the same `id` (deduplicate on it). Staff "
            "see all; a seller its orders' and its subscriptions' events, with only its own lines in an "
            "order's snapshot. Resume with `after=<the last event id you processed>`, then follow `next`."
        ),
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "string", "maxLength": 40},
                description="Only events after this one (an id from this list or a webhook).",
            )
        ],
        responses={200: EventOutputSerializer(many=True)}
        | error_responses(
            ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED, *ALWAYS_ERRORS
        ),
    )
    def get(self, request: Request) -> Response:
        events, seller_pk = event_list_visible(user=request.user)
        events = events.filter(sequence__gt=0)  # listed once dispatched (within moments of commit)
        after = request.query_params.get("after")
        if after is not None:
            anchor = events.filter(event_id=after).values_list("sequence", flat=True).first()
            if anchor is None:
                raise ValidationError({"after": ["not an event of this list"]})
            events = events.filter(sequence__gt=anchor)
        return list_response(
            request=request,
            view=self,
            queryset=events,
            serializer_class=_EnvelopeSerializer,
            context={"seller_pk": seller_pk},
        )


class _EnvelopeSerializer(EventOutputSerializer):
    def to_representation(self, instance: Event) -> dict:
        return event_envelope(instance, seller_pk=self.context["seller_pk"])

    class Meta:
        ref_name = "EventEnvelope"
