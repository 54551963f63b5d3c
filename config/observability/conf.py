"""Observability settings, read from the environment (config/settings.py imports them; this module imports
nothing of Django's). docs/operations.md explains each."""

import environ

env = environ.Env()

# --- Metrics (config/observability/metrics*.py) ---


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
