"""payments/gateway/metrics.py through the real SDK and the emulator: each Bootpay call is timed and counted
once, by operation and outcome (ok / refused by code / unavailable by reason)."""

import pytest

from payments.gateway import GatewayError, GatewayUnavailable
from tests.metrics_support import sample

pytestmark = pytest.mark.django_db


def calls(operation: str, outcome: str, code: str = "") -> float:
    return sample("bootpay_calls_total", operation=operation, outcome=outcome, code=code)


def timed(operation: str, outcome: str) -> float:
    return sample("bootpay_call_duration_seconds_count", operation=operation, outcome=outcome)


def test_an_answered_lookup_counts_ok_and_is_timed(sandbox, make_gateway):
    gateway = make_gateway()
    receipt_id = sandbox.state.create_receipt(order_id="o-metrics-1", price=1000, tax_free=0, order_name="x")[
        "receipt_id"
    ]
    before_ok, before_timed = calls("receipt", "ok"), timed("receipt", "ok")

    gateway.lookup_receipt(receipt_id)

    assert calls("receipt", "ok") == before_ok + 1
    assert timed("receipt", "ok") == before_timed + 1


def test_a_refusal_counts_under_bootpays_code(sandbox, make_gateway):
    gateway = make_gateway()
    sandbox.state.add_fault(path="receipt", mode="error_code", error_code="RC_NOT_FOUND", times=1)
    before = calls("receipt", "refused", "RC_NOT_FOUND")

    with pytest.raises(GatewayError):
        gateway.lookup_receipt("6000000000000000000000a1")

    assert calls("receipt", "refused", "RC_NOT_FOUND") == before + 1
    assert timed("receipt", "refused") >= 1


@pytest.mark.parametrize(("mode", "reason"), [("status_500", "http_500"), ("malformed", "malformed")])
def test_no_usable_answer_counts_unavailable_by_reason(sandbox, make_gateway, mode, reason):
    gateway = make_gateway()
    sandbox.state.add_fault(path="receipt", mode=mode, times=1)
    before = calls("receipt", "unavailable", reason)

    with pytest.raises(GatewayUnavailable):
        gateway.lookup_receipt("6000000000000000000000a2")

    assert calls("receipt", "unavailable", reason) == before + 1


def test_a_timeout_counts_unavailable_timeout(sandbox, make_gateway):
    gateway = make_gateway(timeout_s=0.3)
    sandbox.state.add_fault(path="receipt", mode="latency", latency_s=1.0, times=1)
    before = calls("receipt", "unavailable", "timeout")

    with pytest.raises(GatewayUnavailable):
        gateway.lookup_receipt("6000000000000000000000a3")

    assert calls("receipt", "unavailable", "timeout") == before + 1


def test_free_text_in_an_error_code_never_becomes_a_label(sandbox, make_gateway):
    gateway = make_gateway()
    sandbox.state.add_fault(path="receipt", mode="error_code", error_code="card 1234-5678 refused", times=1)
    before = calls("receipt", "refused", "other")

    with pytest.raises(GatewayError):
        gateway.lookup_receipt("6000000000000000000000a4")

    assert calls("receipt", "refused", "other") == before + 1
    assert calls("receipt", "refused", "card 1234-5678 refused") == 0
