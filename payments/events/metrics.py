"""The events capability's scrape-time metrics (docs/operations.md, "Metrics"), registered by apps.py.

- Open PG outcomes: calls to Bootpay (refunds, escrow registrations, cash receipts, subscription charges)
  whose outcome we do not know yet, by kind and age, counted on the rows `open_outcome_sources` defines
  (the same as the `pg_outcome.open` report): `payments_pg_outcomes_open{kind,age}`,
  `payments_pg_outcomes_open_past_grace{kind}` (open longer than EVENTS_OPEN_OUTCOME_GRACE_S: a person must
  look) and `payments_pg_outcome_oldest_open_age_seconds{kind}`. One aggregate query per kind.
- Outbox lag: `events_outbox_backlog{stage}` and `events_outbox_lag_seconds{stage}` for `dispatch` (events
  recorded, not dispatched yet: age of the oldest), `partner_webhook` and `notification` (deliveries due and
  not sent yet: how long the oldest is overdue). One query per stage, each on its partial index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from payments.events.models import Event, Notification, WebhookEndpointDelivery
from payments.events.services.open_outcomes import open_outcome_sources

# Age buckets of open outcomes: (label, older than, at most). Reconcile settles most within minutes.
AGE_BUCKETS = (
    ("under_5m", None, timedelta(minutes=5)),
    ("5m_to_1h", timedelta(minutes=5), timedelta(hours=1)),
    ("1h_to_1d", timedelta(hours=1), timedelta(days=1)),
    ("over_1d", timedelta(days=1), None),
)


def _age_seconds(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since else 0.0


def open_outcomes_collect() -> Iterable[Metric]:
    now = timezone.now()
    grace = timedelta(seconds=settings.EVENTS_OPEN_OUTCOME_GRACE_S)
    by_age = GaugeMetricFamily(
        "payments_pg_outcomes_open",
        "Calls to Bootpay whose outcome is not known yet, by kind and age.",
        labels=["kind", "age"],
    )
    past_grace = GaugeMetricFamily(
        "payments_pg_outcomes_open_past_grace",
        "Calls to Bootpay whose outcome is still unknown after EVENTS_OPEN_OUTCOME_GRACE_S.",
        labels=["kind"],
    )
    oldest = GaugeMetricFamily(
        "payments_pg_outcome_oldest_open_age_seconds",
        "Age of the oldest call to Bootpay whose outcome is not known yet (0: none open).",
        labels=["kind"],
    )
    for kind, (rows, since) in open_outcome_sources().items():
        buckets = {}
        for label, older_than, at_most in AGE_BUCKETS:
            condition = Q()
            if older_than is not None:  # open since before now - older_than
                condition &= Q(**{f"{since}__lt": now - older_than})
            if at_most is not None:
                condition &= Q(**{f"{since}__gte": now - at_most})
            buckets[label] = Count("pk", filter=condition)
        figures = rows.aggregate(
            **buckets, past_grace=Count("pk", filter=Q(**{f"{since}__lt": now - grace})), oldest=Min(since)
        )
        for label, *_ in AGE_BUCKETS:
            by_age.add_metric([kind, label], figures[label])
        past_grace.add_metric([kind], figures["past_grace"])
        oldest.add_metric([kind], _age_seconds(now, figures["oldest"]))
    return [by_age, past_grace, oldest]


def outbox_lag_collect() -> Iterable[Metric]:
    now = timezone.now()
    stages = {
        "dispatch": Event.objects.filter(dispatched_at__isnull=True).aggregate(
            count=Count("pk"), oldest=Min("created_at")
        ),
        "partner_webhook": WebhookEndpointDelivery.objects.filter(
            state=WebhookEndpointDelivery.State.PENDING, next_attempt_at__lte=now
        ).aggregate(count=Count("pk"), oldest=Min("next_attempt_at")),
        "notification": Notification.objects.filter(
            state=Notification.State.PENDING, next_attempt_at__lte=now
        ).aggregate(count=Count("pk"), oldest=Min("next_attempt_at")),
    }
    backlog = GaugeMetricFamily(
        "events_outbox_backlog",
        "Events not dispatched yet, and partner webhook deliveries and notifications due and not sent.",
        labels=["stage"],
    )
    lag = GaugeMetricFamily(
        "events_outbox_lag_seconds",
        "Age of the oldest undispatched event, or how long the oldest due delivery is overdue (0: none).",
        labels=["stage"],
    )
    for stage, figures in stages.items():
        backlog.add_metric([stage], figures["count"])
        lag.add_metric([stage], _age_seconds(now, figures["oldest"]))
    return [backlog, lag]
