"""Emulator faults every Bootpay call must survive, with the code each one must produce."""

import contextlib

from config.errors import ErrorCode

# The outcome is unknown (no answer, 5xx, unreadable body): gateway_unavailable, 503.
UNKNOWN_OUTCOME_FAULTS = [
    {"mode": "hang", "latency_s": 10},
    {"mode": "status_500"},
    {"mode": "html_502"},
    {"mode": "malformed"},
    {"mode": "reset"},
]


def faults_with_codes(refusal_code: str) -> list[tuple[dict, ErrorCode]]:
    """Each unknown-outcome fault → gateway_unavailable, plus a definite refusal → gateway_error."""
    return [(fault, ErrorCode.GATEWAY_UNAVAILABLE) for fault in UNKNOWN_OUTCOME_FAULTS] + [
        ({"mode": "error_code", "error_code": refusal_code}, ErrorCode.GATEWAY_ERROR)
    ]


def apply_at_bootpay(state, cancellation) -> None:
    """What a lost answer may hide: Bootpay applied our cancellation (same cancel_id, same split)."""
    from payments.sandbox import SandboxError

    with contextlib.suppress(SandboxError):  # Bootpay would have refused it: nothing happened
        state.cancel(
            cancellation.payment.receipt_id,
            cancel_price=cancellation.amount,
            cancel_tax_free=cancellation.tax_free_amount,
            cancel_id=cancellation.cancel_id,
        )
