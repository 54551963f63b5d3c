"""REST adapter for the caller's notification preferences (docs/events.md, "Notifications")."""

from django.utils.translation import get_language_from_request
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from payments.events.models import Language
from payments.events.services.channels import mask_phone
from payments.events.services.notifications import (
    LEGAL_NOTICES,
    notification_preference_get,
    notification_preference_update,
    phone_normalize,
)


class NotificationPreferenceOutputSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices)
    email_opt_out = serializers.BooleanField(help_text="No email notices, except the legal ones.")
    alimtalk_opt_out = serializers.BooleanField(help_text="No 알림톡/SMS notices, except the legal ones.")
    phone_masked = serializers.SerializerMethodField(help_text="Where 알림톡/SMS go, masked; null if none.")
    always_sent = serializers.SerializerMethodField(help_text="Legal notices: sent whatever the opt-outs.")

    class Meta:
        ref_name = "NotificationPreference"

    def get_phone_masked(self, preference) -> str | None:
        return mask_phone(preference.phone) if preference.phone else None

    def get_always_sent(self, preference) -> list[str]:
        return sorted(LEGAL_NOTICES)


def _request_language(request: Request) -> str:
    return Language.EN if get_language_from_request(request).startswith("en") else Language.KO


class NotificationPreferenceApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        email_opt_out = serializers.BooleanField(required=False)
        alimtalk_opt_out = serializers.BooleanField(required=False)
        phone = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=20,
            help_text="A Korean mobile number for 알림톡/SMS (digits, hyphens allowed); empty removes it.",
        )

        class Meta:
            ref_name = "NotificationPreferenceUpdate"

        def validate_phone(self, value: str) -> str:
            try:
                return phone_normalize(value)
            except DomainError as exc:
                raise serializers.ValidationError(exc.details["fields"]["phone"]) from exc

    @extend_schema(
        operation_id="notification_preferences_retrieve",
        summary="The caller's notification preferences",
        description="Without saved preferences: Korean (English under `Accept-Language: en`), all on.",
        responses={200: NotificationPreferenceOutputSerializer} | error_responses(*ALWAYS_ERRORS),
    )
    def get(self, request: Request) -> Response:
        preference = notification_preference_get(
            user=request.user, default_language=_request_language(request)
        )
        return Response(NotificationPreferenceOutputSerializer(preference).data)

    @extend_schema(
        operation_id="notification_preferences_partial_update",
        summary="Change the caller's notification preferences",
        description=(
            "Opt-outs cover every notice but the legal ones (`always_sent`): the advance notice of a "
            "paid charge and the request to consent to a price change are sent regardless."
        ),
        request=InputSerializer,
        responses={200: NotificationPreferenceOutputSerializer}
        | error_responses(*BODY_ERRORS, *ALWAYS_ERRORS),
    )
    def patch(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        preference = notification_preference_update(
            user=request.user, default_language=_request_language(request), **payload.validated_data
        )
        return Response(NotificationPreferenceOutputSerializer(preference).data)
