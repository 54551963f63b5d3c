"""`POST /api/v1/auth/token/`: username + password → a DRF token for `Authorization: Token <token>`."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError, ErrorCode
from config.openapi import error_responses
from config.throttling import ScopedRateThrottle


class AuthTokenApi(APIView):
    # The credentials are the body: a stale `Authorization` header or session must not turn this into a 401.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Per client IP; slows password guessing (rate `auth_token` in settings.REST_FRAMEWORK).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, style={"input_type": "password"}
        )

        class Meta:
            ref_name = "AuthTokenCreate"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

        class Meta:
            ref_name = "AuthToken"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Exchange username and password for an API token",
        description=(
            "The same token is returned until it is revoked. Wrong credentials (or an inactive account) are "
            "`validation_error` with `details.fields.non_field_errors`, as DRF's own token view does."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer}
        | error_responses(
            ErrorCode.VALIDATION_ERROR,
            ErrorCode.PARSE_ERROR,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            ErrorCode.QUERY_TOO_LONG,
            ErrorCode.THROTTLED,
        ),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(request=request, **payload.validated_data)
        if user is None:
            raise DomainError(
                ErrorCode.VALIDATION_ERROR,
                details={"fields": {"non_field_errors": ["Unable to log in with the provided credentials."]}},
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)
