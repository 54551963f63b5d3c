"""Celery queue depth at scrape time (docs/operations.md, "Metrics"): `celery_queue_length{queue}`, the
messages waiting in each queue of config/celery_queues.py, read with LLEN on the Redis broker (one pipelined
round trip per scrape). Without REDIS_URL (tasks run eagerly) there is no queue and no family.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from kombu.transport.redis import PRIORITY_STEPS, Channel
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from config.celery_queues import QUEUES


@lru_cache(maxsize=1)
def _broker(url: str):
    import redis

    # Short timeouts: a scrape must not hang on a broker that does not answer (the family is then skipped).
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _keys(queue: str) -> list[str]:
    """The Redis lists kombu keeps a queue in: one per priority step (the first is the queue's own name)."""
    return [queue if step == 0 else f"{queue}{Channel.sep}{step}" for step in PRIORITY_STEPS]


def celery_queue_depth_collect() -> Iterable[Metric]:
    if not settings.REDIS_URL:
        return []
    pipeline = _broker(settings.REDIS_URL).pipeline(transaction=False)
    for queue in QUEUES:
        for key in _keys(queue):
            pipeline.llen(key)
    lengths = iter(pipeline.execute())
    family = GaugeMetricFamily(
        "celery_queue_length", "Messages waiting in each Celery queue (Redis broker).", labels=["queue"]
    )
    for queue in QUEUES:
        family.add_metric([queue], sum(next(lengths) for _ in PRIORITY_STEPS))
    return [family]
