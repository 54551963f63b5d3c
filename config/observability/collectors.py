"""Scrape-time collectors: figures read when /metrics is scraped (a backlog's age, a queue's depth), not
counted as things happen. Each capability registers its own (in its AppConfig.ready), so the plumbing here
knows none of them.

A collector is a function returning metric families. It must be cheap and bounded (indexed queries, a few
per scrape) and it is never allowed to break the scrape: an exception (the database or Redis down) skips
that collector's families, is logged, and counts in `metrics_scrape_collector_errors_total{collector}`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import Counter
from prometheus_client.metrics_core import Metric

logger = logging.getLogger("config.observability")

ScrapeCollector = Callable[[], Iterable[Metric]]

SCRAPE_COLLECTOR_ERRORS = Counter(
    "metrics_scrape_collector_errors",
    "Scrape-time collectors that failed (their families were left out of that scrape).",
    ["collector"],
)

_collectors: dict[str, ScrapeCollector] = {}


def scrape_collector_register(name: str, collect: ScrapeCollector) -> None:
    """Read `collect()` on every scrape under `name` (a short fixed word: it is a label value).
    Registering a name again replaces the earlier function (AppConfig.ready may run twice in tests)."""
    _collectors[name] = collect
    SCRAPE_COLLECTOR_ERRORS.labels(collector=name)  # exported as 0 before the first failure


def scrape_collector_names() -> list[str]:
    return sorted(_collectors)


class ScrapeTimeCollector:
    """Every registered collector, each failing on its own (a `prometheus_client` collector)."""

    def collect(self) -> Iterator[Metric]:
        for name, collect in sorted(_collectors.items()):
            try:
                families = list(collect())
            except Exception:  # noqa: BLE001 — a scrape must never fail because one figure could not be read
                logger.warning("metrics: scrape collector %s failed", name, exc_info=True)
                SCRAPE_COLLECTOR_ERRORS.labels(collector=name).inc()
                continue
            yield from families
