"""REST adapter for Bootpay's webhooks: refuse what no Bootpay notice can be, store the delivery, answer
at once (`payments.webhooks.services`). Errors are never caught here: `DomainError` becomes the
envelope in `config/`.

Before the `200` only what Bootpay's answer promises: the delivery durably stored (its INSERT committed).
Its processing is queued after that commit, coalesced per burst (`webhook_dispatch`); the throttle counts
in process memory. A POST skips DRF's request wrapping, negotiation and rendering, which add nothing to
a fixed `{"success": true}`; any error still leaves through DRF's handler, in the one envelope.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.errors import DomainError, ErrorCode
from config.openapi import error_responses
from config.throttling import ProcessLocalScopedRateThrottle
from payments.webhooks.services import webhook_dispatch, webhook_receive, webhook_source_allowed


class BootpayWebhookApi(APIView):
    """Bootpay's notifications. No auth exists to check (Bootpay signs nothing); the body is only a hint."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Per process, in memory: a flood is still cut short, without a Redis round trip per notice.
    throttle_classes = [ProcessLocalScopedRateThrottle]
    throttle_scope = "bootpay_webhook"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request = args, kwargs, request
        self.headers = self.default_response_headers
        try:
            self.check_throttles(request)
            return self.post(request)
        except Exception as exc:  # DRF's own path from here: the same envelope, statuses and headers
            request = self.initialize_request(request, *args, **kwargs)
            self.request = request
            return self.finalize_response(request, self.handle_exception(exc), *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_bootpay",
        summary="Bootpay webhook receiver",
        description=(
            'Stores the raw delivery, answers `{"success": true}` at once and processes it afterwards by '
            "re-fetching the receipt from Bootpay. Every delivery is kept; repeats for one receipt share "
            "one re-fetch at a time, so nothing in a body can stop a later notice from being processed."
        ),
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            200: OpenApiResponse(
                response={"type": "object", "properties": {"success": {"type": "boolean"}}},
                examples=[OpenApiExample("stored", value={"success": True}, response_only=True)],
            )
        }
        | error_responses(
            ErrorCode.VALIDATION_ERROR,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.QUERY_TOO_LONG,
            ErrorCode.THROTTLED,
        ),
        auth=[],
    )
    def post(self, request: HttpRequest | Request) -> HttpResponse:
        # The client's address as DRF's throttles see it: REMOTE_ADDR, or X-Forwarded-For when
        # REST_FRAMEWORK["NUM_PROXIES"] says how many proxies of ours stand in front.
        remote_ip = BaseThrottle().get_ident(request)
        if not webhook_source_allowed(remote_ip):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED, "Webhooks are accepted from Bootpay's addresses only."
            )
        raw_body = request.body
        if len(raw_body) > settings.WEBHOOK_MAX_BODY_BYTES:
            raise DomainError.invalid("body", f"at most {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
        if b"\x00" in raw_body:  # PostgreSQL text cannot hold NUL, and no Bootpay notice contains one
            raise DomainError.invalid("body", "must not contain NUL bytes")
        delivery = webhook_receive(
            raw_body=raw_body,
            content_type=request.content_type or "",
            headers=dict(request.headers),
            remote_ip=remote_ip,
        )
        # Every delivery, duplicates included: its body is unverified, so only a re-fetch may say
        # whether it brings news; repeats for one receipt coalesce into one re-fetch at a time.
        webhook_dispatch(delivery_pk=delivery.pk)
        return HttpResponse(_STORED, content_type="application/json")


_STORED = b'{"success":true}'
