"""Observability settings, read from the environment (config/settings.py imports them; this module imports
nothing of Django's). docs/operations.md explains each."""

import os

import environ

env = environ.Env()

# --- Metrics (config/observability/metrics*.py) ---
# Off: no /metrics, no HTTP or database instrumentation (the middleware steps aside and the database
# engines stay Django's own); the application's own counters still count, unread. `make bench` compares both.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# Who may scrape /metrics: a bearer token (`Authorization: Bearer <token>`) and/or client addresses in these
# CIDRs. Both set: both must hold. Neither set: loopback only (127.0.0.0/8, ::1).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# How many proxies of ours append to X-Forwarded-For in front of /metrics: 0 (default) trusts REMOTE_ADDR
# only, so a client cannot claim an allowed address by sending the header itself.
METRICS_NUM_PROXIES = env.int("METRICS_NUM_PROXIES", default=0)
# Multiprocess mode (PROMETHEUS_MULTIPROC_DIR, prometheus-client's own variable: where this process writes):
# the directories /metrics merges. Default: PROMETHEUS_MULTIPROC_DIR alone. List the Celery workers'
# directories too when they share a host or volume with the web, so one scrape adds every process up.
METRICS_SCRAPE_DIRS = env.list("METRICS_SCRAPE_DIRS", default=[])
# prometheus-client's own variable, read by it in every process; /metrics merges it when METRICS_SCRAPE_DIRS
# is not set.
METRICS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if METRICS_MULTIPROC_DIR:
    # prometheus-client opens its files there as soon as a metric is defined, which a Celery worker does
    # (Django's app loading) before its first signal reaches config/celery.py: the directory must exist.
    os.makedirs(METRICS_MULTIPROC_DIR, exist_ok=True)


# --- Traces and error reports (config/observability/tracing.py, sentry.py) ---
# OpenTelemetry reads its own OTEL_* variables (service name, endpoint, sampler…); tracing.py decides from
# them whether to start. Paths never traced (regexes searched in the URL, comma-separated), unless the
# instrumentation's own variables say otherwise: probes and scrapes would drown the traces.
TRACING_EXCLUDED_URLS = env.str(
    "OTEL_PYTHON_DJANGO_EXCLUDED_URLS",
    default=env.str("OTEL_PYTHON_EXCLUDED_URLS", default="/healthz,/readyz,/metrics"),
)
# Error reports: off unless SENTRY_DSN is set. No personal data (send_default_pii off), scrubbed events.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default=env.str("DJANGO_ENV", default="local"))
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="") or None  # None: the SDK's own guess (git, env)
# Share of transactions sent as Sentry performance traces (0: errors only; traces go to OpenTelemetry).
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
