"""List mechanics for plain APIViews: filters, then pagination `{count, next, previous, results}`."""

from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView


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
