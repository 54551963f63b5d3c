"""The one REST error envelope: `{"code": str, "message": str, "details": {}}`.

DRF calls `exception_handler` for anything a view raises. `DomainError` carries its own code; DRF's and
Django's exceptions are mapped to a code from `config.errors`; the HTTP status always comes from
`HTTP_STATUS_BY_CODE`, so one code never travels with two statuses. Anything else is a bug: logged with
its traceback and answered with a generic 500 that never repeats the exception text.

`api_handler404`/`api_handler500`/… are Django's `handler*` views: under `/api/` they answer with the
same envelope (unknown URL, a crash outside DRF), elsewhere Django's HTML pages.
"""

import logging
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from config.errors import DEFAULT_MESSAGES, HTTP_STATUS_BY_CODE, DomainError, ErrorCode
from config.i18n import localize

logger = logging.getLogger(__name__)

# Most specific first: ValidationError, ParseError… are all APIExceptions.
_CODE_BY_DRF_EXCEPTION: tuple[tuple[type[exceptions.APIException], ErrorCode], ...] = (
    (exceptions.ValidationError, ErrorCode.VALIDATION_ERROR),
    (exceptions.ParseError, ErrorCode.PARSE_ERROR),
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.THROTTLED),
)
# A third-party APIException we do not know: keep its 4xx meaning rather than call it a bug.
_CODE_BY_STATUS = {400: ErrorCode.VALIDATION_ERROR, 401: ErrorCode.NOT_AUTHENTICATED,
                   403: ErrorCode.PERMISSION_DENIED, 404: ErrorCode.NOT_FOUND,
                   405: ErrorCode.METHOD_NOT_ALLOWED, 406: ErrorCode.NOT_ACCEPTABLE,
                   415: ErrorCode.UNSUPPORTED_MEDIA_TYPE, 429: ErrorCode.THROTTLED}  # fmt: skip


def envelope(code: ErrorCode, message: str | None = None, details: Mapping[str, Any] | None = None) -> dict:
    code = ErrorCode(code)
    # str(): a lazy default message is rendered now, in the request's language.
    return {
        "code": code.value,
        "message": str(message or DEFAULT_MESSAGES[code]),
        "details": dict(details or {}),
    }


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested `serializer.errors` as `{"items[0].quantity": ["…"]}`: one level, field → messages.

    The dotted/indexed path is the one services use (`DomainError.invalid("items[0].quantity", …)`),
    so a client reads the same key whichever layer refused the input.
    """
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    fields: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if isinstance(key, int):  # a ListSerializer's errors by index: {0: {...}, 2: {...}}
                path = f"{prefix}[{key}]"
            elif key == non_field:  # errors about a nested value as a whole belong to that field
                path = prefix or non_field
            elif prefix:
                path = f"{prefix}.{key}"
            else:
                path = str(key)
            fields.update(flatten_errors(value, path))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            if detail:
                fields.setdefault(prefix or non_field, []).extend(str(item) for item in detail)
        else:  # a list of nested serializers' errors: index them, skip the ones without errors
            for index, item in enumerate(detail):
                if item:
                    fields.update(flatten_errors(item, f"{prefix}[{index}]"))
    else:
        fields.setdefault(prefix or non_field, []).append(str(detail))
    return fields


def _from_django(exc: Exception) -> Exception:
    # Services should raise DomainError; a model's full_clean() may still surface Django's own error.
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        )
        return exceptions.ValidationError(detail=detail)
    if isinstance(exc, RequestDataTooBig):
        return exceptions.ValidationError(
            detail={"body": [localize(f"at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")]}
        )
    if isinstance(exc, SuspiciousOperation):  # malformed Host, too many fields…: the caller's mistake
        return exceptions.ValidationError(
            detail={api_settings.NON_FIELD_ERRORS_KEY: [localize("Malformed request.")]}
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _api_exception_envelope(exc: exceptions.APIException) -> tuple[ErrorCode, str | None, dict[str, Any]]:
    code = next((code for kind, code in _CODE_BY_DRF_EXCEPTION if isinstance(exc, kind)), None)
    if code is None:
        code = _CODE_BY_STATUS.get(exc.status_code)
    if code is None:
        raise exc  # a 5xx APIException nobody mapped: treat as the bug it is
    if code == ErrorCode.VALIDATION_ERROR:
        return code, None, {"fields": flatten_errors(exc.detail)}
    if code == ErrorCode.THROTTLED:
        wait = getattr(exc, "wait", None)
        return code, None, {"retry_after": None if wait is None else math.ceil(wait)}
    # DRF's own one-line messages ("Method \"PUT\" not allowed.") are safe and more specific than ours.
    message = str(exc.detail) if isinstance(exc.detail, str) else None
    return code, message, {}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF `EXCEPTION_HANDLER`: every error leaves the API as the envelope."""
    exc = _from_django(exc)
    headers: dict[str, str] = {}
    try:
        if isinstance(exc, DomainError):
            code, message, details = exc.code, exc.message, exc.localized_details
        elif isinstance(exc, exceptions.APIException):
            code, message, details = _api_exception_envelope(exc)
            # The same headers DRF's own handler sets (`Allow` is added by the view on every response).
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            if getattr(exc, "wait", None) is not None:
                headers["Retry-After"] = str(math.ceil(exc.wait))
        else:
            raise exc
    except Exception:
        view = context.get("view")
        request = context.get("request")
        logger.exception(
            "Unhandled error in %s %s (%s)",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            type(view).__name__ if view is not None else "no view",
        )
        code, message, details = ErrorCode.INTERNAL_ERROR, None, {}
    set_rollback()  # as DRF's own handler does: an ATOMIC_REQUESTS transaction must not commit
    return Response(envelope(code, message, details), status=HTTP_STATUS_BY_CODE[code], headers=headers)


# --- Django's handler404/handler500 (config/urls.py) --------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(code: ErrorCode) -> JsonResponse:
    return JsonResponse(envelope(code), status=HTTP_STATUS_BY_CODE[code])


def api_handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(ErrorCode.VALIDATION_ERROR) if _is_api(request) else defaults.bad_request(request, exception)


def api_handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json(ErrorCode.PERMISSION_DENIED)
    return defaults.permission_denied(request, exception)


def api_handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(ErrorCode.NOT_FOUND) if _is_api(request) else defaults.page_not_found(request, exception)


def api_handler500(request: HttpRequest) -> HttpResponse:
    # Django has already logged the traceback (django.request) before calling this view.
    return _json(ErrorCode.INTERNAL_ERROR) if _is_api(request) else defaults.server_error(request)
