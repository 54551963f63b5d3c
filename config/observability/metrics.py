"""GET /metrics: the Prometheus exposition (docs/operations.md, "Metrics").

What one scrape holds: this process's registry (single-process mode) or every process's files
(multiprocess mode, PROMETHEUS_MULTIPROC_DIR; config/observability/multiprocess.py), then the scrape-time
collectors (config/observability/collectors.py). A refused scrape is a 403 in the API's error envelope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from config.errors import ErrorCode
from config.exception_handler import envelope
from config.observability.access import metrics_scrape_allowed
from config.observability.collectors import ScrapeTimeCollector, scrape_collector_register
from config.observability.multiprocess import MultiDirectoryCollector
from config.observability.queues import celery_queue_depth_collect

# The shared plumbing's own scrape-time figure; capabilities register theirs in their AppConfig.ready.
scrape_collector_register("celery_queues", celery_queue_depth_collect)


class _ProcessRegistry:
    """This process's default registry, read through a scrape's own registry."""

    def collect(self):
        return REGISTRY.collect()


def scrape_directories() -> list[str]:
    own = settings.METRICS_MULTIPROC_DIR
    return list(settings.METRICS_SCRAPE_DIRS) or ([own] if own else [])


def scrape_registry() -> CollectorRegistry:
    """A registry built for one scrape (nothing registered globally reads the database)."""
    registry = CollectorRegistry(auto_describe=False)
    directories = scrape_directories()
    registry.register(MultiDirectoryCollector(directories) if directories else _ProcessRegistry())
    registry.register(ScrapeTimeCollector())
    return registry


@require_GET
@transaction.non_atomic_requests  # a collector's failed query must not poison the next one's transaction
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        return JsonResponse(envelope(ErrorCode.NOT_FOUND), status=404)
    if not metrics_scrape_allowed(request):
        return JsonResponse(envelope(ErrorCode.PERMISSION_DENIED), status=403)
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
