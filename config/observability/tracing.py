"""OpenTelemetry traces of Django, Celery, psycopg and the HTTP client under the Bootpay SDK (requests).

On only when the standard variables ask for it (`tracing_wanted`): `OTEL_SDK_DISABLED=true` wins; else
`OTEL_TRACES_EXPORTER` (`otlp`, `console`, a comma-separated list; `none` turns it off); else an OTLP
endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`) means `otlp`. Everything
else (service name and resource, sampler, batch sizes, endpoint, headers, timeouts, excluded URLs) is
read by the SDK and the instrumentations themselves from their `OTEL_*` variables. Off, nothing is
imported or instrumented; on, `init_tracing()` runs once per process: config/wsgi.py and asgi.py (each
gunicorn worker, after its fork: preload_app is off), manage.py, and the Celery worker processes and beat
(config/celery.py).

Joins: every span started while a request id is bound carries it as `request_id` (the Django server
span gets it when the response leaves), and each log line written inside a span carries `trace_id` and
`span_id` (config/logs.py). Secrets: spans are scrubbed by `ScrubbingSpanExporter` just before they
leave (config/observability/scrub.py), whatever instrumentation recorded them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from config.observability.scrub import scrub_text, scrub_url

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

logger = logging.getLogger(__name__)

REQUEST_ID_ATTRIBUTE = "request_id"
# The attributes holding a URL or a path with its query (old and new HTTP semantic conventions).
_URL_ATTRIBUTES = frozenset({"http.url", "url.full", "http.target", "url.path", "url.query"})
# OTEL_TRACES_EXPORTER names → the installed exporters' entry points (only OTLP over HTTP is installed).
_EXPORTER_ALIASES = {"otlp": "otlp_proto_http"}

_lock = threading.Lock()
_provider: TracerProvider | None = None
_instrumentors: list[Any] = []


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def exporter_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the environment asks for; [] when tracing is off."""
    if _truthy(environ.get("OTEL_SDK_DISABLED")):
        return []
    names = [name.strip().lower() for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")]
    names = [name for name in names if name]
    if names:
        return [] if "none" in names else names
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return ["otlp"] if (endpoint or "").strip() else []


def tracing_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(exporter_names(environ))


def tracing_enabled() -> bool:
    return _provider is not None


def init_tracing(*, exporter: SpanExporter | None = None, environ: Mapping[str, str] = os.environ) -> bool:
    """Trace this process if the environment asks for it (or, in tests, into `exporter`); idempotent.

    Returns whether tracing is on. Never raises for a bad exporter name: it is logged and skipped, as a
    trace backend is never worth refusing payments for.
    """
    global _provider
    with _lock:
        if _provider is not None:
            return True
        if exporter is None and not tracing_wanted(environ):
            return False
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        provider = TracerProvider()  # resource (OTEL_SERVICE_NAME, …) and sampler from the environment
        provider.add_span_processor(RequestIdSpanProcessor())
        if exporter is not None:  # tests: synchronous, so a test sees its spans at once
            provider.add_span_processor(SimpleSpanProcessor(ScrubbingSpanExporter(exporter)))
        else:
            for configured in _configured_exporters(exporter_names(environ)):
                provider.add_span_processor(BatchSpanProcessor(ScrubbingSpanExporter(configured)))
        # The global provider can be set once per process; instrumentations get `provider` explicitly,
        # so a test that starts tracing again after `stop_tracing()` still records into its exporter.
        trace.set_tracer_provider(provider)
        _instrument(provider)
        _provider = provider
        return True


def stop_tracing() -> None:
    """Undo `init_tracing` (tests): instrumentations removed, spans flushed; the global provider stays."""
    global _provider
    with _lock:
        for instrumentor in reversed(_instrumentors):
            instrumentor.uninstrument()
        _instrumentors.clear()
        if _provider is not None:
            _provider.shutdown()
        _provider = None


def tracer_provider() -> TracerProvider | None:
    """The provider `init_tracing` built (tests add their own processors to it), None when off."""
    return _provider


def current_trace_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the active span in hex, as trace backends show them; None without one."""
    if _provider is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def _configured_exporters(names: Sequence[str]) -> list[SpanExporter]:
    from importlib.metadata import entry_points

    exporters = []
    for name in names:
        found = entry_points(group="opentelemetry_traces_exporter", name=_EXPORTER_ALIASES.get(name, name))
        if not found:
            logger.warning("OTEL_TRACES_EXPORTER names %r, which is not installed: ignored", name)
            continue
        exporters.append(next(iter(found)).load()())  # each reads its own OTEL_EXPORTER_* variables
    return exporters


def _instrument(provider: TracerProvider) -> None:
    from django.conf import settings
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    steps: list[tuple[Any, dict[str, Any]]] = [
        # Its middleware goes first in MIDDLEWARE, so this runs before the WSGI handler loads it.
        (
            DjangoInstrumentor(),
            {"response_hook": _tag_server_span, "excluded_urls": settings.TRACING_EXCLUDED_URLS},
        ),
        # Statements only, with their placeholders: never the parameters, never a SQL comment.
        (PsycopgInstrumentor(), {"capture_parameters": False, "enable_commenter": False}),
        (RequestsInstrumentor(), {}),
        (CeleryInstrumentor(), {}),
    ]
    for instrumentor, options in steps:
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider, **options)
            _instrumentors.append(instrumentor)


def _tag_server_span(span: Any, request: Any, response: Any) -> None:
    """The Django server span starts before RequestIdMiddleware binds the id: tag it on the way out."""
    request_id = getattr(request, "request_id", None)
    if request_id and span.is_recording():
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


class RequestIdSpanProcessor:
    """Tags each span started while a request id is bound (a web request, a Celery task) with it.

    The SDK's SpanProcessor interface, duck-typed (as ScrubbingSpanExporter is a SpanExporter) so that
    importing this module, which the log formatter does, never imports the SDK while tracing is off."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        from config.request_id import current_request_id

        request_id = current_request_id()
        if request_id:
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    def on_end(self, span: ReadableSpan) -> None:
        pass

    def _on_ending(self, span: Any) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class ScrubbingSpanExporter:
    """Hands `inner` copies of the spans with names, attributes, events, links and status scrubbed."""

    def __init__(self, inner: SpanExporter):
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([scrub_span(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def scrub_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    from config.logs import REDACTED, is_sensitive_key

    scrubbed: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if is_sensitive_key(key):  # a captured Authorization header, a parameter named like a key
            scrubbed[key] = REDACTED
        elif key in _URL_ATTRIBUTES and isinstance(value, str):
            scrubbed[key] = scrub_url(value)
        elif isinstance(value, str):
            scrubbed[key] = scrub_text(value)
        elif isinstance(value, Sequence) and not isinstance(value, bytes):
            scrubbed[key] = tuple(scrub_text(item) if isinstance(item, str) else item for item in value)
        else:
            scrubbed[key] = value
    return scrubbed


def scrub_span(span: ReadableSpan) -> ReadableSpan:
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import Link, Status

    status = span.status
    if status.description:
        status = Status(status.status_code, scrub_text(status.description))
    return ReadableSpan(
        name=scrub_text(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=scrub_attributes(span.attributes),
        events=[
            Event(event.name, scrub_attributes(event.attributes), event.timestamp) for event in span.events
        ],
        links=[Link(link.context, scrub_attributes(link.attributes)) for link in span.links],
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
