"""OpenAPI helpers: the error envelope component, `error_responses(*codes)` and our `AutoSchema`.

Usage on a view::

    @extend_schema(responses={200: OutputSerializer} | error_responses(ErrorCode.ORDER_NOT_FOUND, …))

Codes are grouped by their HTTP status (`config.errors.HTTP_STATUS_BY_CODE`) into one `OpenApiResponse` of
the `Error` component each, with one response-only example per code, so the schema tells a client every
`code` an operation may answer and with which status.
"""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from config.errors import DEFAULT_MESSAGES, HTTP_STATUS_BY_CODE, ErrorCode

# Any operation may meet these: a NUL character in the path, a query parameter or a header (400, refused by
# config.middleware), a bad/expired token (401), a query string over QUERY_STRING_MAX_BYTES (414, refused by
# config.middleware, whatever the operation's parameters) and the rate limits (429).
ALWAYS_ERRORS = (
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.NOT_AUTHENTICATED,
    ErrorCode.QUERY_TOO_LONG,
    ErrorCode.THROTTLED,
)
# Operations with a JSON body: invalid fields, unparsable body, a content type other than JSON.
BODY_ERRORS = (ErrorCode.VALIDATION_ERROR, ErrorCode.PARSE_ERROR, ErrorCode.UNSUPPORTED_MEDIA_TYPE)


class ErrorEnvelopeSerializer(serializers.Serializer):
    """Every error of the API, whatever the status."""

    code = serializers.ChoiceField(
        choices=ErrorCode.choices,
        help_text="Stable, machine-readable reason; branch on this, not on message.",
    )
    message = serializers.CharField(help_text="Human-readable explanation; may change, never parse it.")
    details = serializers.DictField(
        help_text=(
            "Structured context, depending on `code`: `validation_error` → `fields` (field path → messages; "
            "errors not tied to one field under `non_field_errors`); `throttled` → `retry_after` (seconds); "
            "`query_too_long` → `max_bytes`; "
            "business errors may add ids (`product_ids`, `items`, `status`, …). Empty object otherwise."
        )
    )

    class Meta:
        ref_name = "Error"


# Example `details` for the codes where an empty object would hide the useful part of the shape.
_EXAMPLE_DETAILS: dict[str, dict] = {
    ErrorCode.VALIDATION_ERROR: {
        "fields": {"items[0].quantity": ["Ensure this value is greater than or equal to 1."]}
    },
    ErrorCode.THROTTLED: {"retry_after": 42},
    ErrorCode.QUERY_TOO_LONG: {"max_bytes": settings.QUERY_STRING_MAX_BYTES},
    ErrorCode.PRODUCT_NOT_FOUND: {"product_ids": [123]},
    ErrorCode.PRODUCT_UNAVAILABLE: {"product_ids": [123]},
    ErrorCode.INSUFFICIENT_STOCK: {"items": [{"product_id": 123, "requested": 3, "available": 1}]},
    ErrorCode.ORDER_NOT_PAYABLE: {"status": "paid"},
    ErrorCode.CANCEL_IN_PROGRESS: {"cancel_id": "cx_0123456789abcdef0123456789abcdef"},
    ErrorCode.IDEMPOTENCY_KEY_REUSED: {"cancel_id": "cx_0123456789abcdef0123456789abcdef"},
}


def error_example(code: ErrorCode, status: int) -> OpenApiExample:
    code = ErrorCode(code)
    return OpenApiExample(
        name=code.value,
        summary=code.value,
        value={
            "code": code.value,
            "message": DEFAULT_MESSAGES[code],
            "details": _EXAMPLE_DETAILS.get(code, {}),
        },
        response_only=True,
        status_codes=[str(status)],
    )


def error_responses(*codes: ErrorCode) -> dict[int, OpenApiResponse]:
    """`{status: OpenApiResponse(Error envelope, one example per code)}` for the given codes."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(ErrorCode(code) for code in codes):  # de-duplicated, order kept
        by_status.setdefault(HTTP_STATUS_BY_CODE[code], []).append(code)
    return {
        status: OpenApiResponse(
            response=ErrorEnvelopeSerializer,
            description=" / ".join(f"`{code.value}`" for code in status_codes),
            examples=[error_example(code, status) for code in status_codes],
        )
        for status, status_codes in sorted(by_status.items())
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, minus the `title` it takes from a model field's verbose name (a query or path
    parameter read from the model): verbose names are the admin's labels, translated per request, and
    never part of the API's document. (Model serializers leave them out too: `config.serializers`.)"""

    def _map_model_field(self, model_field, direction):
        schema = super()._map_model_field(model_field, direction)
        schema.pop("title", None)
        return schema
