"""The checkout's TEST PAYMENT panel endpoints (BOOTPAY_MODE=sandbox only; not in the OpenAPI document).

They live beside the emulator they drive, so no production module imports it: config/urls.py mounts
`payments.sandbox.urls` by its dotted name, and only in sandbox mode. Each view still answers `not_found`
before authentication when the mode is not sandbox (settings may change after the URLconf was loaded).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError, ErrorCode
from payments.sandbox.checkout import (
    IDENTITY_AGES,
    Scenario,
    sandbox_enabled,
    sandbox_identity_create,
    sandbox_issue_billing_key,
    sandbox_payment_create,
)


class SandboxPaymentOutputSerializer(serializers.Serializer):
    receipt_id = serializers.CharField()
    order_id = serializers.CharField()
    event = serializers.CharField(help_text="What BootpayWidget would report: done, confirm, issued, error.")
    error_code = serializers.CharField()
    message = serializers.CharField()


class SandboxBillingKeyOutputSerializer(serializers.Serializer):
    receipt_id = serializers.CharField(
        help_text="The billing-key issuance receipt, as requestSubscription reports it (never the key)."
    )


class _SandboxOnlyApi(APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before authentication: outside sandbox mode the path answers like one that does not exist.
        if not sandbox_enabled():
            raise DomainError(ErrorCode.NOT_FOUND)
        super().initial(request, *args, **kwargs)


class SandboxPaymentApi(_SandboxOnlyApi):
    """The TEST PAYMENT panel's stand-in for Bootpay's payment window (BOOTPAY_MODE=sandbox only)."""

    class InputSerializer(serializers.Serializer):
        order_id = serializers.CharField(max_length=40)
        scenario = serializers.ChoiceField(choices=[scenario.value for scenario in Scenario])
        escrow = serializers.BooleanField(
            default=False, help_text="Pay by escrow (에스크로); the order must be escrow_eligible."
        )

    @extend_schema(exclude=True)  # a development tool, not part of the partner API
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = sandbox_payment_create(
            order_id=payload.validated_data["order_id"],
            scenario=Scenario(payload.validated_data["scenario"]),
            actor=request.user,
            escrow=payload.validated_data["escrow"],
        )
        return Response(SandboxPaymentOutputSerializer(result).data, status=201)


class SandboxBillingKeyApi(_SandboxOnlyApi):
    """The TEST PAYMENT panel's stand-in for the widget's requestSubscription (BOOTPAY_MODE=sandbox only).

    Like the widget, it answers the issuance receipt only: whether `subscription_id` was issued to this
    buyer is checked when the receipt is registered (POST /api/v1/billing-keys/), as with a real widget.
    """

    class InputSerializer(serializers.Serializer):
        subscription_id = serializers.RegexField(
            r"^[A-Za-z0-9_-]{1,64}$", max_length=64, help_text="From POST /api/v1/billing-keys/requests/."
        )
        decline = serializers.BooleanField(
            default=False, help_text="A test card that declines every charge (the decline path)."
        )

    @extend_schema(exclude=True)  # a development tool, not part of the partner API (as sandbox/payments/)
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        receipt_id = sandbox_issue_billing_key(
            payload.validated_data["subscription_id"], decline=payload.validated_data["decline"]
        )
        return Response(SandboxBillingKeyOutputSerializer({"receipt_id": receipt_id}).data, status=201)


class SandboxIdentityApi(_SandboxOnlyApi):
    """The TEST PAYMENT panel's stand-in for Bootpay's requestAuthentication (BOOTPAY_MODE=sandbox only):
    answers the receipt id of a completed verification of an adult or a minor, nothing more."""

    class InputSerializer(serializers.Serializer):
        person = serializers.ChoiceField(choices=list(IDENTITY_AGES), default="adult")

    @extend_schema(exclude=True)  # a development tool, not part of the partner API
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        receipt_id = sandbox_identity_create(person=payload.validated_data["person"])
        return Response({"receipt_id": receipt_id}, status=201)
