"""`/graphql/`: strawberry's Django view with our authentication rules.

Mobile apps send `Authorization: Token <token>` (the REST tokens) and need no CSRF token; the SPA
uses the session cookie, so its requests must carry the CSRF token, as with DRF's session auth.
"""

import math

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from strawberry.django.views import GraphQLView

from graphql_api.schema import schema


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}, status=status
    )


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason  # report instead of rendering Django's HTML 403


@method_decorator(csrf_exempt, name="dispatch")
class ApiGraphQLView(GraphQLView):
    def dispatch(self, request: HttpRequest, *args, **kwargs):
        header = get_authorization_header(request).split()
        if header and header[0].lower() == b"token":
            try:
                user, _ = TokenAuthentication().authenticate(request) or (None, None)
            except AuthenticationFailed as exc:
                return _error(401, "not_authenticated", str(exc.detail))
            request.user = user
        elif request.method == "POST" and request.user.is_authenticated:
            check = _CsrfCheck(lambda _request: None)
            check.process_request(request)
            if (reason := check.process_view(request, None, (), {})) is not None:
                return _error(403, "permission_denied", f"CSRF check failed: {reason}")
        if request.method == "POST" and (wait := _throttle_wait(request)) is not None:
            response = _error(429, "throttled", "Too many requests.")
            response["Retry-After"] = str(wait)
            return response
        return super().dispatch(request, *args, **kwargs)


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
