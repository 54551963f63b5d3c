"""The payment core's own metrics (docs/operations.md, "Metrics"): verify and cancel outcomes, counted where
the services answer, so REST, GraphQL, webhooks and tasks are all counted once. No database is touched.

`outcome` is `ok` or the DomainError code the service raised (config/errors.py: a fixed vocabulary), or
`error` for anything else (a bug). Never an id or an amount.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from prometheus_client import Counter

from config.errors import DomainError

PAYMENT_OPERATIONS = Counter(
    "payments_operations",
    "Payment service calls (verify, cancel) by outcome: ok or the error code answered.",
    ["operation", "outcome"],
)

P = ParamSpec("P")
R = TypeVar("R")


def outcome_counted(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count each call of the decorated service under `operation`, by the outcome it answered."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = service(*args, **kwargs)
            except DomainError as exc:
                PAYMENT_OPERATIONS.labels(operation=operation, outcome=exc.code.value).inc()
                raise
            except Exception:
                PAYMENT_OPERATIONS.labels(operation=operation, outcome="error").inc()
                raise
            PAYMENT_OPERATIONS.labels(operation=operation, outcome="ok").inc()
            return result

        return counted

    return decorate
