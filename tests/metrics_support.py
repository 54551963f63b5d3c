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
