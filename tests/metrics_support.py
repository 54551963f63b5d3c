"""Helpers of the metrics tests: read this process's counters, and scrape /metrics as Prometheus would."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def sample(name: str, **labels: str) -> float:
    """A sample of this process's registry (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def parse(text: str) -> dict[str, list]:
    """Exposition text → {family name: [samples]} (the parser checks it is valid exposition format)."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def scraped_value(families: dict[str, list], sample_name: str, **labels: str) -> float | None:
    for samples in families.values():
        for found in samples:
            if found.name == sample_name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return None


class FakeBroker:
    """Stands in for the Redis client of config/observability/queues.py: `lengths` by list key."""

    def __init__(self, lengths: dict[str, int] | None = None):
        self.lengths = lengths or {}
        self.round_trips = 0

    def pipeline(self, transaction: bool = True) -> FakeBroker._Pipeline:
        return FakeBroker._Pipeline(self)

    class _Pipeline:
        def __init__(self, broker: FakeBroker):
            self._broker, self._keys = broker, []

        def llen(self, key: str) -> None:
            self._keys.append(key)

        def execute(self) -> list[int]:
            self._broker.round_trips += 1
            return [self._broker.lengths.get(key, 0) for key in self._keys]
