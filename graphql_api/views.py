"""`/graphql/`: strawberry's Django view with our authentication rules.

Mobile apps send `Authorization: Token <token>` (the REST tokens) and need no CSRF token; the SPA
uses the session cookie, so its requests must carry the CSRF token, as with DRF's session auth.
"""

import math
from typing import Any

from cross_web import DjangoHTTPRequestAdapter, HTTPException  # strawberry's transport layer
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from strawberry.django.views import GraphQLView

from config.errors import ErrorCode
from config.json import loads_limited
from config.spa import frontend_page
from config.throttling import AnonRateThrottle, UserRateThrottle
from graphql_api.schema import schema


def graphql_error_response(status: int, code: str, message: str, **extensions: Any) -> JsonResponse:
    """A request refused before execution, in GraphQL's shape: `{"data": null, "errors": [...]}`."""
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return JsonResponse({"data": None, "errors": [error]}, status=status)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason  # report instead of rendering Django's HTML 403


class _UnparsableBody(HTTPException):
    """The body is not JSON we read: malformed, not UTF-8, or nested deeper than JSON_MAX_DEPTH."""


class _RawBodyAdapter(DjangoHTTPRequestAdapter):
    @property
    def body(self) -> bytes:
        # Bytes, decoded strictly by `decode_json`: the stock adapter's `.decode()` fails with a 500.
        try:
            return self.request.body
        except RequestDataTooBig:
            raise HTTPException(400, f"At most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.") from None


@method_decorator(csrf_exempt, name="dispatch")
class ApiGraphQLView(GraphQLView):
    request_adapter_class = _RawBodyAdapter

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        header = get_authorization_header(request).split()
        if header and header[0].lower() == b"token":
            try:
                user, _ = TokenAuthentication().authenticate(request) or (None, None)
            except AuthenticationFailed as exc:
                return graphql_error_response(401, "not_authenticated", str(exc.detail))
            request.user = user
        elif request.method == "POST" and request.user.is_authenticated:
            check = _CsrfCheck(lambda _request: None)
            check.process_request(request)
            if (reason := check.process_view(request, None, (), {})) is not None:
                return graphql_error_response(403, "permission_denied", f"CSRF check failed: {reason}")
        if request.method == "POST" and (wait := _throttle_wait(request)) is not None:
            response = graphql_error_response(429, "throttled", "Too many requests.")
            response["Retry-After"] = str(wait)
            return response
        try:
            return self.run(request=request)  # what strawberry's dispatch does, minus its text/plain errors
        except HTTPException as exc:  # refused before execution: unparsable body, no query, wrong method…
            return graphql_error_response(exc.status_code, _transport_code(exc).value, exc.reason)

    def render_graphql_ide(self, request: HttpRequest):
        # GraphiQL from the bundle (frontend/graphiql.html), not strawberry's page: that one loads from a CDN.
        return frontend_page(request, "graphiql.html")

    def decode_json(self, data: str | bytes) -> object:
        # The REST parser's rules (config/parsers.py): strict UTF-8, at most JSON_MAX_DEPTH levels. Strawberry
        # only catches JSONDecodeError, so a RecursionError or UnicodeDecodeError would be a 500.
        try:
            text = data.decode() if isinstance(data, bytes) else data
            return loads_limited(text, settings.JSON_MAX_DEPTH)
        except ValueError as exc:
            raise _UnparsableBody(400, f"The body is not valid JSON: {exc}") from None


def _transport_code(exc: HTTPException) -> ErrorCode:
    """The REST code for a refusal strawberry raises before executing anything."""
    if isinstance(exc, _UnparsableBody):
        return ErrorCode.PARSE_ERROR
    return {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}.get(
        exc.status_code, ErrorCode.VALIDATION_ERROR
    )


def _throttle_wait(request: HttpRequest) -> int | None:
    """The REST rate limits (anon/user per DRF settings) apply to GraphQL too; seconds to wait, or None."""
    for throttle in (AnonRateThrottle(), UserRateThrottle()):
        if not throttle.allow_request(request, None):
            return math.ceil(throttle.wait() or 1)
    return None


graphql_view = ApiGraphQLView.as_view(
    schema=schema,
    graphql_ide="graphiql" if settings.DEBUG else None,
    allow_queries_via_get=False,  # queries by GET would be cacheable and bypass the CSRF check
)
