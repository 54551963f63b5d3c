"""Automatic payments as metrics (docs/operations.md, "Metrics"), recorded by the tasks (tasks.py); no query.

- `billing_renewals_total{outcome}`: each renewal task's outcome: `charged`, `declined`, `unknown` (the
  charge's outcome is open: the sweeps settle it), or why nothing was sent (`held`, `not_due`, `ended`, …:
  the fixed words of `subscription_renew`);
- `billing_renewal_run_last_finished_timestamp_seconds`: when the renewal scheduler last finished a run
  (Unix time; in multiprocess mode the latest of every process). An alert fires when it grows old.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge

RENEWALS = Counter("billing_renewals", "Subscription renewal tasks by outcome.", ["outcome"])
RENEWAL_RUN_FINISHED = Gauge(
    "billing_renewal_run_last_finished_timestamp_seconds",
    "When the renewal scheduler (charge_due_subscriptions) last finished a run (Unix time).",
    multiprocess_mode="max",
)


def renewal_counted(outcome: str) -> None:
    RENEWALS.labels(outcome=outcome).inc()


def renewal_run_finished() -> None:
    RENEWAL_RUN_FINISHED.set(time.time())
