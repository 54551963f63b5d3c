"""REST adapters for partner webhook endpoints (docs/events.md "Partner webhooks"): parse, call, serialize.

Who may manage which endpoint, and every rule, is `services.partner_webhooks`'. The secret appears in two
responses only: creation and rotation.
"""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorCode
from config.filters import StrictFilterSet
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from config.pagination import KeysetPagination, list_response
from payments.events.models import EventType, WebhookEndpoint, WebhookEndpointDelivery
from payments.events.services.partner_webhooks import (
    URL_MAX_LENGTH,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_get_visible,
    webhook_endpoint_list_visible,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

ATTEMPT_LOG_SHOWN = 10
_ID_PARAMETERS = [
    OpenApiParameter("endpoint_id", {"type": "string", "maxLength": 40}, OpenApiParameter.PATH),
]
_SCOPE_NOTE = (
    "Staff manage every endpoint (their own get every event, staff-only `pg_outcome.open` included); a "
    "seller manages its own (they get the events `GET /api/v1/events/` shows it, with only its own order "
    "lines). Buyers: `permission_denied`; another seller's endpoint: `not_found`."
)
_MANAGE_ERRORS = (ErrorCode.PERMISSION_DENIED, *ALWAYS_ERRORS)
_ONE_ERRORS = (ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS)


class WebhookEndpointOutputSerializer(serializers.Serializer):
    endpoint_id = serializers.CharField(help_text="Opaque public id (`we_…`).")
    url = serializers.URLField()
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        help_text="The types sent; empty: every type this endpoint may receive.",
    )
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Why it is disabled (by whom, or after failing).")
    scope = serializers.SerializerMethodField(help_text="`staff`: every event; `seller`: its own events.")
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_valid_until",
        allow_null=True,
        help_text="After a rotation: until when the previous secret also signs.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "WebhookEndpoint"

    def get_scope(self, endpoint: WebhookEndpoint) -> str:
        return "staff" if endpoint.seller_id is None else "seller"


class WebhookEndpointWithSecretOutputSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The signing secret (`whsec_…`), shown in this response only: store it now."
    )

    class Meta:
        ref_name = "WebhookEndpointWithSecret"

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return self.context["secret"]


class _EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=URL_MAX_LENGTH, help_text="http(s); https only in production.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        max_length=len(EventType.choices),
        required=False,
        help_text="Empty or absent: every type the endpoint may receive.",
    )
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookEndpointCollectionApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    queryset = WebhookEndpoint.objects.none()  # model hint for the schema; rows come from the service

    class InputSerializer(_EndpointInputSerializer):
        class Meta:
            ref_name = "WebhookEndpointCreate"

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="Partner webhook endpoints, newest first",
        description=_SCOPE_NOTE,
        responses={200: WebhookEndpointOutputSerializer(many=True)} | error_responses(*_MANAGE_ERRORS),
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request=request,
            view=self,
            queryset=webhook_endpoint_list_visible(user=request.user),
            serializer_class=WebhookEndpointOutputSerializer,
        )

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint; the answer carries its secret, once",
        description=_SCOPE_NOTE + " Deliveries follow Standard Webhooks: docs/events.md.",
        request=InputSerializer,
        responses={201: WebhookEndpointWithSecretOutputSerializer}
        | error_responses(*BODY_ERRORS, *_MANAGE_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint, secret = webhook_endpoint_create(actor=request.user, **payload.validated_data)
        data = WebhookEndpointWithSecretOutputSerializer(endpoint, context={"secret": secret}).data
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(_EndpointInputSerializer):
        url = serializers.CharField(max_length=URL_MAX_LENGTH, required=False)
        enabled = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "WebhookEndpointUpdate"

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="One webhook endpoint (never its secret)",
        parameters=_ID_PARAMETERS,
        responses={200: WebhookEndpointOutputSerializer} | error_responses(*_ONE_ERRORS),
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change url, event_types or enabled",
        description="Enabling a disabled endpoint sends the deliveries that waited, oldest first.",
        parameters=_ID_PARAMETERS,
        request=InputSerializer,
        responses={200: WebhookEndpointOutputSerializer} | error_responses(*BODY_ERRORS, *_ONE_ERRORS),
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        payload = self.InputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)  # the body first: a malformed one is 400 for anyone
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        endpoint = webhook_endpoint_update(endpoint=endpoint, actor=request.user, **payload.validated_data)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Remove a webhook endpoint and its delivery log",
        parameters=_ID_PARAMETERS,
        responses={204: None} | error_responses(*_ONE_ERRORS),
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateSecretApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="A new signing secret, shown once; the previous one keeps signing for a window",
        description=(
            "During the window (`previous_secret_valid_until`, 24 h by default) each delivery carries two "
            "signatures in `webhook-signature`, so a receiver holding either secret verifies."
        ),
        parameters=_ID_PARAMETERS,
        request=None,
        responses={200: WebhookEndpointWithSecretOutputSerializer} | error_responses(*_ONE_ERRORS),
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        endpoint, secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
        return Response(WebhookEndpointWithSecretOutputSerializer(endpoint, context={"secret": secret}).data)


# --- Deliveries ---------------------------------------------------------------------------------------


class WebhookDeliveryAttemptOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="None: timeout or connection error.")
    latency_ms = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    error = serializers.CharField()

    class Meta:
        ref_name = "WebhookDeliveryAttempt"


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    delivery_id = serializers.CharField(help_text="Opaque public id (`wd_…`).")
    event_id = serializers.CharField(source="event.event_id", help_text="Also the `webhook-id` header.")
    event_type = serializers.ChoiceField(source="event.type", choices=EventType.choices)
    state = serializers.ChoiceField(choices=WebhookEndpointDelivery.State.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_latency_ms = serializers.IntegerField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    attempt_log = serializers.SerializerMethodField(help_text=f"The last {ATTEMPT_LOG_SHOWN} attempts.")

    class Meta:
        ref_name = "WebhookDelivery"

    @extend_schema_field(WebhookDeliveryAttemptOutputSerializer(many=True))
    def get_attempt_log(self, delivery: WebhookEndpointDelivery) -> list[dict]:
        attempts = list(delivery.attempt_log.all())[:ATTEMPT_LOG_SHOWN]
        return WebhookDeliveryAttemptOutputSerializer(attempts, many=True).data


class WebhookDeliveryFilter(StrictFilterSet):
    state = filters.ChoiceFilter(choices=WebhookEndpointDelivery.State.choices)

    class Meta:
        model = WebhookEndpointDelivery
        fields = ["state"]


class WebhookDeliveryListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = WebhookDeliveryFilter
    queryset = WebhookEndpointDelivery.objects.none()

    @extend_schema(
        operation_id="webhook_endpoints_deliveries_list",
        summary="The endpoint's delivery log, newest first",
        parameters=_ID_PARAMETERS,
        responses={200: WebhookDeliveryOutputSerializer(many=True)} | error_responses(*_ONE_ERRORS),
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        deliveries = endpoint.deliveries.select_related("event").prefetch_related("attempt_log")
        return list_response(
            request=request,
            view=self,
            queryset=deliveries,
            serializer_class=WebhookDeliveryOutputSerializer,
        )


class WebhookDeliveryReplayApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="webhook_endpoints_deliveries_replay",
        summary="Send a delivery again (same `webhook-id`), whatever its state",
        description="One more attempt now; a disabled endpoint's replay waits until it is enabled.",
        parameters=[
            *_ID_PARAMETERS,
            OpenApiParameter("delivery_id", {"type": "string", "maxLength": 40}, OpenApiParameter.PATH),
        ],
        request=None,
        responses={202: WebhookDeliveryOutputSerializer} | error_responses(*_ONE_ERRORS),
    )
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        endpoint = webhook_endpoint_get_visible(endpoint_id=endpoint_id, user=request.user)
        delivery = webhook_delivery_replay(endpoint=endpoint, delivery_id=delivery_id)
        delivery = (
            WebhookEndpointDelivery.objects.select_related("event")
            .prefetch_related("attempt_log")
            .get(pk=delivery.pk)
        )
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
