"""List mechanics for plain APIViews: filters, then pagination `{count, next, previous, results}`."""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView


class DefaultPagination(PageNumberPagination):
    """`?page=N&page_size=M`: 20 per page by default, at most 100. A page past the end is 404 `not_found`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


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
