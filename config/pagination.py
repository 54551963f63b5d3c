"""List mechanics for plain APIViews: filters, then pagination `{count, next, previous, results}`."""

from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from config.keyset import CURSOR_MAX_LENGTH, InvalidCursor, keyset


class DefaultPagination(PageNumberPagination):
    """`?page=N&page_size=M`: 20 per page by default, at most 100. A page past the end is 404 `not_found`.

    Both are whole numbers from 1, as the schema says: anything else (`page_size=null`, `page=`, `page=last`,
    `page_size=0`) is 400 `validation_error` instead of DRF's silent default. A larger page_size is capped.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # `page=last` is no integer

    def get_page_size(self, request: Request) -> int:
        requested = _query_int(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        return _query_int(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


_DIGITS_MAX = 18

# The exact `count` of a keyset list stops here: counting a million rows on every page is what the keyset
# pages avoid. Beyond it `count` is this number and `count_capped` is true.
LIST_COUNT_CAP = 10_000
_DIRECTIONS = ("n", "p")  # the page after the cursor's row, or the page before it


class KeysetPagination(BasePagination):
    """Newest first by `(created_at, id)`, paged by an opaque `cursor` (the order and payment lists).

    `next`/`previous` are URLs carrying `cursor`; a page costs one index range read however deep it is, and
    orders created during a walk never shift it. `page_size` as before (20, at most 100). `page=N` still
    works while it stays within the first `LIST_COUNT_CAP` rows (an OFFSET that deep is bounded); beyond,
    or together with `cursor`, it is 400 `validation_error`. A malformed cursor is 400 `validation_error`.
    `count` is exact up to `LIST_COUNT_CAP`; past it, `count` is the cap and `count_capped` is true.

    The pages and cursors are config.keyset's (the rule GraphQL's connections share): a cursor's tag is
    its direction, `n` (the rows after its row) or `p` (before it).
    """

    page_size = 20
    max_page_size = 100
    cursor_query_param = "cursor"
    page_query_param = "page"
    page_size_query_param = "page_size"
    count_cap = LIST_COUNT_CAP
    ordering = ("-created_at", "-pk")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: APIView | None = None) -> list:
        self.request = request
        self.keyset = keyset(queryset.model, self.ordering)
        requested = _query_int(request, self.page_size_query_param)
        size = self.page_size if requested is None else min(requested, self.max_page_size)
        cursor = self._decode_cursor(request)
        page = _query_int(request, self.page_query_param)
        if cursor is not None and page is not None:
            raise ValidationError({self.page_query_param: ["send either `page` or `cursor`, not both"]})

        counted = queryset.order_by()[: self.count_cap + 1].count()
        self.count, self.count_capped = min(counted, self.count_cap), counted > self.count_cap

        self.next = self.previous = None
        if cursor is None:
            offset = (min(page or 1, self.count_cap + 1) - 1) * size
            if offset >= self.count_cap:
                raise ValidationError(
                    {self.page_query_param: [f"pages reach {self.count_cap} rows; follow `next` (a cursor)"]}
                )
            rows = list(self.keyset.ordered(queryset)[offset : offset + size + 1])
            if offset and not rows:
                raise NotFound()
            if len(rows) > size:
                rows = rows[:size]
                self.next = self._link("n", rows[-1])
            if offset and rows:
                self.previous = self._link("p", rows[0])
            return rows

        direction, key = cursor
        if direction == "n":  # older than the cursor's row
            rows, more = self.keyset.page(queryset, after=key, size=size)
            if rows:
                self.previous = self._link("p", rows[0])
                self.next = self._link("n", rows[-1]) if more else None
            return rows
        rows, more = self.keyset.page(queryset, before=key, size=size, backward=True)  # newer
        if rows:
            self.next = self._link("n", rows[-1])
            self.previous = self._link("p", rows[0]) if more else None
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_capped": self.count_capped,
                "next": self.next,
                "previous": self.previous,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "count_capped", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": self.count_cap,
                    "description": f"Exact up to {self.count_cap}; beyond, the cap and `count_capped`.",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": f"True when the list holds more than {self.count_cap} rows.",
                },
                "next": link | {"description": "The next (older) page: this URL with a `cursor`."},
                "previous": link | {"description": "The previous (newer) page: this URL with a `cursor`."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        def parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
            return {"name": name, "in": "query", "description": description, "schema": schema}

        return [
            parameter(
                self.cursor_query_param,
                {"type": "string", "minLength": 1, "maxLength": CURSOR_MAX_LENGTH},
                "Opaque position from a `next` or `previous` link.",
            ),
            parameter(
                self.page_query_param,
                {"type": "integer", "minimum": 1},
                f"Page number, within the first {self.count_cap} rows; deeper, follow `next`.",
            ),
            parameter(
                self.page_size_query_param,
                {"type": "integer", "minimum": 1},
                f"Rows per page ({self.page_size} by default, at most {self.max_page_size}).",
            ),
        ]

    def _link(self, direction: str, row: Any) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.keyset.cursor(direction, row))

    def _decode_cursor(self, request: Request) -> tuple[str, tuple] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            return self.keyset.decode(raw, _DIRECTIONS)
        except InvalidCursor:
            raise ValidationError({self.cursor_query_param: ["not a cursor from this list"]}) from None


def _query_int(request: Request, name: str) -> int | None:
    """The query parameter `name` as a whole number ≥ 1; None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits:
        raise ValidationError({name: ["a whole number from 1"]})
    # Longer numbers are beyond any list (and int() of them is costly): the same as the largest we read.
    return int(digits) if len(digits) <= _DIGITS_MAX else 10**_DIGITS_MAX


def list_response(
    *,
    request: Request,
    view: APIView,
    queryset: QuerySet,
    serializer_class: type[Serializer],
    context: Mapping[str, Any] | None = None,
) -> Response:
    """Filter a selector's queryset with the view's `filter_backends`, then serialize one page of it.

    Gives a plain `APIView` the list mechanics of generic views. The view declares `pagination_class`,
    `filter_backends` and `filterset_class` (and `queryset = Model.objects.none()` as a model hint): the
    same attributes drf-spectacular reads to document the query parameters and the paginated envelope.
    Invalid filter values raise a DRF ValidationError (400 `validation_error`); a page past the end, 404.
    """
    for backend in getattr(view, "filter_backends", ()):
        queryset = backend().filter_queryset(request, queryset, view)
    paginator = getattr(view, "pagination_class", DefaultPagination)()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **(context or {})}).data
    return paginator.get_paginated_response(data)
