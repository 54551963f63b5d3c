"""Bootpay webhook deliveries as metrics (docs/operations.md, "Metrics"): counted as they are received and
processed (services.py; no query added), and the backlog read at scrape time (registered by apps.py).

- `bootpay_webhook_deliveries_received_total{valid}`: stored deliveries (`false`: no usable receipt_id);
- `bootpay_webhook_deliveries_processed_total{state}`: processed, or unmatched (Bootpay knows no such
  receipt, or no order of ours has it);
- `bootpay_webhook_deliveries_failed_total`: processing failed (retried by the task, the sweep, a replay);
- `bootpay_webhook_backlog` / `bootpay_webhook_oldest_unprocessed_age_seconds`: deliveries received or
  being processed, and the age of the oldest (0 when none): one indexed query per scrape.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from payments.models import WebhookDelivery

State = WebhookDelivery.State

DELIVERIES_RECEIVED = Counter(
    "bootpay_webhook_deliveries_received", "Bootpay webhook deliveries stored.", ["valid"]
)
DELIVERIES_PROCESSED = Counter(
    "bootpay_webhook_deliveries_processed", "Bootpay webhook deliveries processed, by final state.", ["state"]
)
DELIVERIES_FAILED = Counter(
    "bootpay_webhook_deliveries_failed", "Bootpay webhook deliveries whose processing failed (retried)."
)


def deliveries_received(*, valid: bool) -> None:
    DELIVERIES_RECEIVED.labels(valid="true" if valid else "false").inc()


def deliveries_settled(*, state: str, count: int) -> None:
    if state == State.FAILED:
        DELIVERIES_FAILED.inc(count)
    else:
        DELIVERIES_PROCESSED.labels(state=str(state)).inc(count)


def webhook_backlog_collect() -> Iterable[Metric]:
    """Deliveries not processed yet (received, or claimed by a worker), on the (state, received_at) index."""
    waiting = WebhookDelivery.objects.filter(state__in=(State.RECEIVED, State.PROCESSING)).aggregate(
        count=Count("pk"), oldest=Min("received_at")
    )
    oldest = waiting["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    yield GaugeMetricFamily(
        "bootpay_webhook_backlog",
        "Bootpay webhook deliveries received and not processed yet.",
        value=waiting["count"],
    )
    yield GaugeMetricFamily(
        "bootpay_webhook_oldest_unprocessed_age_seconds",
        "Age of the oldest Bootpay webhook delivery not processed yet (0: none waiting).",
        value=age,
    )
