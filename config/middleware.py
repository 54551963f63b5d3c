"""Requests refused before any view, session or authentication code reads them."""

from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.log import log_response

from config.errors import DEFAULT_MESSAGES, HTTP_STATUS_BY_CODE, ErrorCode
from config.exception_handler import envelope
from config.i18n import localize
from config.request_id import bind_request_id, new_request_id, valid_request_id
from graphql_api.views import graphql_error_response

NUL_PROBLEM = "must not contain NUL (\\u0000) characters"


def nul_fields(request: HttpRequest) -> list[str]:
    """The parts of the request holding a NUL character: `path`, query parameter and header names."""
    fields = ["path"] if "\x00" in request.path else []
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:  # parsed only then: most requests pay one substring test
        fields += [key for key, value in parse_qsl(query, keep_blank_values=True) if "\x00" in key + value]
    # Servers refuse a raw NUL in headers, but a token or Idempotency-Key would reach a query; and a quoted
    # cookie may spell one as `"\000"`, which the cookie parser decodes before the session is looked up.
    fields += [name for name, value in request.headers.items() if "\x00" in value]
    if any("\x00" in value for value in request.COOKIES.values()):
        fields.append("Cookie")
    return list(dict.fromkeys(fields))


class RejectNulMiddleware:
    """No path, query parameter or header holding NUL (0x00) reaches a view: 400 `validation_error`.

    PostgreSQL text cannot store NUL, so any lookup with one fails with DataError (a 500), and nothing
    legitimate sends one. Guarding here, once, covers every route and path parameter (`payments/a%00b/`),
    plus the session cookie and token, which are read before any view. JSON bodies are checked by the
    parser (config/parsers.py) and GraphQL arguments by graphql_api.guards.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if fields := nul_fields(request):
            return _refuse(request, fields)
        return self.get_response(request)


def _refuse(request: HttpRequest, fields: list[str]) -> HttpResponse:
    details = {"fields": {field: [localize(NUL_PROBLEM)] for field in fields}}
    if request.path.startswith("/api/"):
        return JsonResponse(envelope(ErrorCode.VALIDATION_ERROR, details=details), status=400)
    if request.path.startswith("/graphql/"):
        code = ErrorCode.VALIDATION_ERROR
        return graphql_error_response(400, code.value, DEFAULT_MESSAGES[code], **details)
    return HttpResponseBadRequest("NUL characters are not allowed in the request.")


class QueryStringLimitMiddleware:
    """A query string longer than QUERY_STRING_MAX_BYTES under /api/ or /graphql/ is 414 `query_too_long`.

    The longest valid query string is a fraction of the limit (see settings.QUERY_STRING_MAX_BYTES): a
    longer one only carries values no list can use. gunicorn answers a request line over its
    `limit_request_line` with a plain 414 before Django sees it, so that limit is set well above this one
    (config/gunicorn.conf.py), and everything in between is answered here, in the API's own error shape,
    with the limit in `details`, before credentials or parameters are read. Other pages (the shop, the
    admin) keep gunicorn's limit only. Counted in bytes as sent: WSGI hands the query string over as
    latin-1 text of the raw bytes, so its length is theirs; nothing is decoded or parsed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.QUERY_STRING_MAX_BYTES
        if len(request.META.get("QUERY_STRING", "")) > limit:
            code, details = ErrorCode.QUERY_TOO_LONG, {"max_bytes": limit}
            if request.path.startswith("/api/"):
                return JsonResponse(envelope(code, details=details), status=HTTP_STATUS_BY_CODE[code])
            if request.path.startswith("/graphql/"):
                return graphql_error_response(
                    HTTP_STATUS_BY_CODE[code], code.value, str(DEFAULT_MESSAGES[code]), **details
                )
        return self.get_response(request)


class RequestIdMiddleware:
    """Every request gets an id: a valid incoming `X-Request-ID` (set by our proxy) or a new uuid4 hex.

    It is bound for the request (config/request_id.py), so each log line of the request carries it, and
    it is sent back as `X-Request-ID`. First in MIDDLEWARE, so even a refused request has one.
    """

    header = "X-Request-ID"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = valid_request_id(request.headers.get(self.header)) or new_request_id()
        request.request_id = request_id
        with bind_request_id(request_id):
            response = self.get_response(request)
            response[self.header] = request_id
            if response.status_code >= 400:
                # Django logs a 4xx/5xx response ("Not Found: /…") after the last middleware returns, so
                # after this binding; logged here (as Django does it, once), the line keeps the id.
                log_response(
                    "%s: %s", response.reason_phrase, request.path, response=response, request=request
                )
        return response
