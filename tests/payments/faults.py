"""Emulator faults every Bootpay call must survive, with the code each one must produce."""

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
