"""django-prometheus's HTTP middleware, stepping aside when METRICS_ENABLED is off (Django drops a
middleware whose constructor raises MiddlewareNotUsed), so the switch costs nothing per request."""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware


class MetricsBeforeMiddleware(PrometheusBeforeMiddleware):
    def __init__(self, *args, **kwargs):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        super().__init__(*args, **kwargs)


class MetricsAfterMiddleware(PrometheusAfterMiddleware):
    def __init__(self, *args, **kwargs):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        super().__init__(*args, **kwargs)
