"""Response formats beyond JSON, and the negotiation of views that offer one.

A view offering CSV lists `CSVRenderer` after JSON in its `renderer_classes` and sets
`content_negotiation_class = StrictFormatNegotiation`: `Accept: text/csv` or `?format=csv` picks it,
anything else JSON. Errors always answer the JSON envelope (`json_unless_csv`), whatever was asked for.
"""

from django.utils.cache import patch_vary_headers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from config.errors import DomainError


class CSVRenderer(BaseRenderer):
    """Renders CSV text the view built (the adapter's service writes the CSV; this only encodes it)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, str):  # a view answering CSV hands over the finished text
            raise TypeError(f"CSVRenderer renders CSV text, not {type(data).__name__}")
        return data.encode(self.charset)


class StrictFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except for `?format=`: it picks its renderer whatever `Accept` says (DRF would
    answer 406 to `?format=csv` with `Accept: application/json`), and one no renderer of the view offers
    is a `validation_error` naming `format` (DRF's own answer is a 404, as if the path did not exist)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        format = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)  # noqa: A001
        if format:
            renderer = self.filter_renderers(renderers, format)[0]
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):  # noqa: A002 - DRF's signature
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            raise DomainError.invalid("format", f"must be one of: {offered}")
        return matching


def json_unless_csv(response: Response) -> Response:
    """Only the CSV text a view built is rendered as CSV: anything else (an error's envelope, OPTIONS'
    metadata) is JSON even when the request negotiated CSV. Every response varies by Accept."""
    if isinstance(response.accepted_renderer, CSVRenderer) and not isinstance(response.data, str):
        response.accepted_renderer = JSONRenderer()
        response.accepted_media_type = JSONRenderer.media_type
    patch_vary_headers(response, ["Accept"])
    return response
