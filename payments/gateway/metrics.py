"""Bootpay calls as metrics (docs/operations.md, "Metrics"): every SDK call's latency and outcome, per
operation. Recorded by `BootpayGateway._send`, the one place a call is made; no database is touched.

Labels stay low-cardinality: `operation` is our fixed name of the SDK call, `outcome` one of ok / refused /
unavailable, and `code` Bootpay's error code (refused, or an outcome-unknown code) or our fixed word for why
the call was unavailable (timeout, connection_error, http_503, malformed, …). Never an id, an amount or a key.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

OK, REFUSED, UNAVAILABLE = "ok", "refused", "unavailable"

BOOTPAY_CALL_SECONDS = Histogram(
    "bootpay_call_duration_seconds",
    "Time of one Bootpay SDK call, by operation and outcome.",
    ["operation", "outcome"],
    # BOOTPAY_TIMEOUT_S is 10 s by default: the last finite bucket sits just past it.
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
)
BOOTPAY_CALLS = Counter(
    "bootpay_calls",
    "Bootpay SDK calls by operation, outcome (ok / refused / unavailable) and code.",
    ["operation", "outcome", "code"],
)

# Bootpay's error codes and our reasons are single words (RC_NOT_FOUND, timeout); anything else becomes
# `other`, so free text echoed in `error_code` could never open a new series per request.
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def bootpay_call_observed(*, operation: str, outcome: str, code: str, seconds: float) -> None:
    label = code if not code or _CODE.fullmatch(code) else "other"
    BOOTPAY_CALL_SECONDS.labels(operation=operation, outcome=outcome).observe(seconds)
    BOOTPAY_CALLS.labels(operation=operation, outcome=outcome, code=label).inc()
