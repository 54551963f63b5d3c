"""Health checks for the load balancer and the orchestrator.

- `GET /healthz`: the process is up and answers (no I/O): `{"ok": true}`. For liveness probes.
- `GET /readyz`: the process can serve: the database answers, Redis and the Celery broker too when
  configured (REDIS_URL); 503 with `ok: false` when one of them fails, naming it. Bootpay's reachability
  is reported but never fails the check (a PG outage must not take every web process out of the pool).

`HealthCheckMiddleware` answers both paths before host validation and the HTTPS redirect: a load
balancer probes instances by their private address over plain HTTP.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
CHECK_TIMEOUT_S = 2.0
# Bootpay's reachability is looked up at most this often per process (readyz is probed every few seconds).
BOOTPAY_CHECK_TTL_S = 30.0

_bootpay_cache: dict[str, Any] = {}
_bootpay_lock = threading.Lock()


def _failure(exc: BaseException) -> str:
    # The class name only: the text of a connection error may name hosts or users; it is logged instead.
    return f"error: {type(exc).__name__}"


def check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("readyz: database check failed: %s", exc)
        return _failure(exc)
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        logger.warning("readyz: redis check failed: %s", exc)
        return _failure(exc)
    return OK


def _celery_app() -> Any | None:
    try:
        from config.celery import app  # imported here: absent until Celery is set up
    except ImportError:
        return None
    return app


def check_broker() -> str:
    """The Celery broker, when there is one (REDIS_URL; without it tasks run eagerly in-process)."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    app = _celery_app()
    if app is None:
        return NOT_CONFIGURED
    try:
        # The broker's own socket timeout (5 s) would outlast a load balancer's probe: bound every wait.
        timeouts = {"socket_timeout": CHECK_TIMEOUT_S, "socket_connect_timeout": CHECK_TIMEOUT_S}
        with app.connection_for_write(
            connect_timeout=CHECK_TIMEOUT_S, transport_options=timeouts
        ) as connection:
            connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        logger.warning("readyz: broker check failed: %s", exc)
        return _failure(exc)
    return OK


def bootpay_base_url() -> str:
    if settings.BOOTPAY_API_URL:
        return settings.BOOTPAY_API_URL
    from payments.gateway import BootpayBackend  # the SDK's own base URL per mode

    return BootpayBackend.BASE_URL.get(settings.BOOTPAY_MODE, "")


def _probe_bootpay() -> str:
    url = bootpay_base_url()
    parts = urlsplit(url)
    if not parts.hostname:
        return "unreachable: no BOOTPAY_API_URL"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        # A TCP connection only: no credentials, no request Bootpay would count.
        with socket.create_connection((parts.hostname, port), timeout=CHECK_TIMEOUT_S):
            pass
    except OSError as exc:
        return f"unreachable: {type(exc).__name__}"
    return OK


def check_bootpay() -> str:
    now = time.monotonic()
    with _bootpay_lock:
        cached = _bootpay_cache.get("result")
        if cached is not None and now - cached[0] < BOOTPAY_CHECK_TTL_S:
            return cached[1]
    result = _probe_bootpay()
    with _bootpay_lock:
        _bootpay_cache["result"] = (now, result)
    return result


def reset_bootpay_cache() -> None:
    with _bootpay_lock:
        _bootpay_cache.clear()


# Required checks decide `ok`; Bootpay is reported only.
REQUIRED_CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
}
REPORTED_CHECKS: dict[str, Callable[[], str]] = {"bootpay": check_bootpay}


def readiness() -> tuple[bool, dict[str, str]]:
    # The network checks wait side by side (each bounded by CHECK_TIMEOUT_S), so a hanging Redis costs a
    # probe one timeout, not one per check. The database stays on this thread and its connection.
    named = {**REQUIRED_CHECKS, **REPORTED_CHECKS}
    remote = {name: check for name, check in named.items() if name != "database"}
    with ThreadPoolExecutor(max_workers=len(remote), thread_name_prefix="readyz") as pool:
        pending = {name: pool.submit(check) for name, check in remote.items()}
        local = {name: check() for name, check in named.items() if name not in remote}
    results = {**local, **{name: future.result() for name, future in pending.items()}}
    checks = {name: results[name] for name in named}
    ok = all(checks[name] in (OK, NOT_CONFIGURED) for name in REQUIRED_CHECKS)
    return ok, checks


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def readyz(request: HttpRequest) -> JsonResponse:
    ok, checks = readiness()
    response = JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


_VIEWS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """`/healthz` and `/readyz` (GET/HEAD) answered before host validation and the HTTPS redirect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = _VIEWS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
