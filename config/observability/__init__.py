"""What an operations team sees of a running deployment: Prometheus metrics, OpenTelemetry traces and
error reports (docs/operations.md). Everything here is off or inert until configured."""


def setup_observability() -> None:
    """Error reports and traces for this process, each only if configured (idempotent).

    Called before Django loads its middleware (config/wsgi.py, asgi.py, manage.py) and when a Celery
    worker process or beat starts (config/celery.py).
    """
    from config.observability.sentry import init_sentry
    from config.observability.tracing import init_tracing

    init_sentry()
    init_tracing()
