"""Error reports to Sentry, on only when SENTRY_DSN is set (settings in config/observability/conf.py).

Django and Celery integrations; `send_default_pii=False` (no user, cookies, client IP); every event,
transaction and breadcrumb goes through `scrub` (config/observability/scrub.py, the log redaction plus
billing-key paths, e-mail addresses and query values) before it leaves, local variables of stack frames,
the request body, headers and query string included. Each event is tagged with the request id of the
request or task it came from (and the OpenTelemetry trace id when tracing is on), to find its log lines.

`init_sentry()` is called where tracing starts (config/observability/__init__.py) and, for Celery, in the
main worker process before it forks its pool (the integration patches how task tracers are built).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from config.observability.scrub import scrub, scrub_query

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_initialised = False


def sentry_enabled() -> bool:
    return _initialised


def init_sentry(*, transport: Any = None) -> bool:
    """Start reporting if SENTRY_DSN is set; idempotent. `transport` replaces the HTTP one (tests)."""
    global _initialised
    from django.conf import settings

    with _lock:
        if _initialised:
            return True
        if not settings.SENTRY_DSN:
            return False
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration

        options: dict[str, Any] = {"transport": transport} if transport is not None else {}
        try:
            sentry_sdk.init(
                dsn=settings.SENTRY_DSN,
                environment=settings.SENTRY_ENVIRONMENT,
                release=settings.SENTRY_RELEASE,
                traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE or None,  # 0: no tracing at all
                send_default_pii=False,
                # Scrubbing works by names and shapes; a frame's locals (`conceal`, `personal`) and a request
                # body (a name for an identity check) hold values under names it cannot know: never sent.
                include_local_variables=False,
                max_request_body_size="never",
                # Our calls to Bootpay carry no Sentry headers (baggage names the DSN's key and release).
                trace_propagation_targets=[],
                integrations=[DjangoIntegration(), CeleryIntegration()],
                before_send=scrub_event,
                before_send_transaction=scrub_event,
                before_breadcrumb=scrub_breadcrumb,
                **options,
            )
        except Exception:  # a malformed DSN (BadDsn): the product runs on, unreported, and says so
            logger.exception("sentry: SENTRY_DSN is not usable; error reports are off")
            return False
        _initialised = True
        return True


def stop_sentry() -> None:
    """Tests: the client closed and replaced by an inert one (the integrations' patches stay, idle: each
    checks for an active client with its integration before doing anything)."""
    global _initialised
    import sentry_sdk

    with _lock:
        client = sentry_sdk.get_client()
        if client.is_active():
            client.close()
        sentry_sdk.get_global_scope().set_client(None)  # the SDK's inert, non-recording client
        _initialised = False


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    from config.observability.tracing import current_trace_ids
    from config.request_id import current_request_id

    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        if request_id := current_request_id():
            tags.setdefault("request_id", request_id)
        if ids := current_trace_ids():
            tags.setdefault("otel.trace_id", ids[0])
    scrubbed = scrub(event)
    request = event.get("request")
    if isinstance(request, dict) and isinstance(request.get("query_string"), str):
        # Values never sent; set after `scrub`, whose text rules would take `phone=[REDACTED]` for a value.
        scrubbed["request"]["query_string"] = scrub_query(request["query_string"])
    return scrubbed


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    return scrub(crumb)
