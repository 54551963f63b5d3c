"""REST adapters for identity verification (docs/identity.md): parse, call a service, serialize.

No response carries anything personal; errors are never caught here (the envelope is `config/`'s).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorCode
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from payments.identity.api.serializers import (
    IdentitySmsOutputSerializer,
    IdentityStateOutputSerializer,
    IdentityVerificationOutputSerializer,
)
from payments.identity.selectors import identity_state
from payments.identity.services import (
    CARRIERS,
    identity_sms_confirm,
    identity_sms_request,
    identity_sms_resend,
    identity_verify_certificate,
)

_FAILURES = (
    ErrorCode.IDENTITY_VERIFICATION_FAILED,
    ErrorCode.GATEWAY_ERROR,
    ErrorCode.GATEWAY_UNAVAILABLE,
)
_ID_MAX = 64


class IdentityStateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="identity_retrieve",
        summary="The caller's identity verification state (no personal data)",
        responses={200: IdentityStateOutputSerializer} | error_responses(*ALWAYS_ERRORS),
    )
    def get(self, request: Request) -> Response:
        return Response(IdentityStateOutputSerializer(identity_state(user=request.user)).data)


class IdentityVerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        receipt_id = serializers.CharField(
            max_length=_ID_MAX, help_text="What Bootpay's requestAuthentication answered the browser."
        )

        class Meta:
            ref_name = "IdentityVerify"

    @extend_schema(
        operation_id="identity_verifications_create",
        summary="Accept a browser identity verification (본인인증) for the caller",
        description=(
            "Bootpay's `certificate` is read: only a completed verification (status 12) less than 30 "
            "minutes old is accepted; a receipt counts for the first account that presents it. A retry "
            "with the same receipt answers the same verification (201)."
        ),
        request=InputSerializer,
        responses={201: IdentityVerificationOutputSerializer}
        | error_responses(*BODY_ERRORS, *_FAILURES, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verification = identity_verify_certificate(user=request.user, **payload.validated_data)
        return Response(
            IdentityVerificationOutputSerializer(verification).data, status=status.HTTP_201_CREATED
        )


class IdentitySmsRequestApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=50, help_text="The person's name (sent to Bootpay only).")
        identity_no = serializers.CharField(
            max_length=7,
            help_text="생년월일 6자리 + 주민번호 뒷자리 첫 숫자 (7 digits; sent to Bootpay only).",
        )
        carrier = serializers.ChoiceField(choices=CARRIERS, help_text="The phone's carrier (통신사).")
        phone = serializers.CharField(max_length=16, help_text="Mobile number (sent to Bootpay only).")

        class Meta:
            ref_name = "IdentitySmsRequest"

    @extend_schema(
        operation_id="identity_sms_create",
        summary="Start an SMS identity verification (apps): Bootpay texts a code",
        description="Nothing sent here is stored or answered; the `handle` names the verification.",
        request=InputSerializer,
        responses={201: IdentitySmsOutputSerializer}
        | error_responses(*BODY_ERRORS, *_FAILURES, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        challenge = identity_sms_request(user=request.user, **payload.validated_data)
        return Response(IdentitySmsOutputSerializer(challenge).data, status=status.HTTP_201_CREATED)


class IdentitySmsConfirmApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        handle = serializers.CharField(max_length=_ID_MAX)
        otp = serializers.CharField(max_length=8, help_text="The code the person received.")

        class Meta:
            ref_name = "IdentitySmsConfirm"

    @extend_schema(
        operation_id="identity_sms_confirm_create",
        summary="Confirm an SMS identity verification with its code",
        description=(
            "A wrong or expired code is `identity_verification_failed` (Bootpay's code in `details.reason`)."
        ),
        request=InputSerializer,
        responses={201: IdentityVerificationOutputSerializer}
        | error_responses(*BODY_ERRORS, *_FAILURES, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        verification = identity_sms_confirm(user=request.user, **payload.validated_data)
        return Response(
            IdentityVerificationOutputSerializer(verification).data, status=status.HTTP_201_CREATED
        )


class IdentitySmsResendApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        handle = serializers.CharField(max_length=_ID_MAX)

        class Meta:
            ref_name = "IdentitySmsResend"

    @extend_schema(
        operation_id="identity_sms_resend_create",
        summary="Send the code of an SMS identity verification again (Bootpay's realarm)",
        request=InputSerializer,
        responses={200: IdentitySmsOutputSerializer}
        | error_responses(*BODY_ERRORS, *_FAILURES, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        challenge = identity_sms_resend(user=request.user, **payload.validated_data)
        return Response(IdentitySmsOutputSerializer(challenge).data)
