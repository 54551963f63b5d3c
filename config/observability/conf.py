"""Observability settings, read from the environment (config/settings.py imports them; this module imports
nothing of Django's). docs/operations.md explains each."""

import environ

env = environ.Env()

# --- Metrics (config/observability/metrics*.py) ---


# --- Traces and error reports (config/observability/tracing.py, sentry.py) ---
