"""The gateway's cash receipts against the sandbox emulator over real HTTP, through the unmodified SDK:
the typed results, the identifier kept out of results and errors, the bounds a caller relies on."""

from datetime import datetime, timedelta, timezone

import pytest

from payments.gateway import GatewayError, GatewayUnavailable
from payments.gateway.cash_receipts import CashReceiptResult
from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY

IDENTIFIER = "010-9876-5432"
KST = timezone(timedelta(hours=9))


def paid(sandbox, method="vbank", price=30_000, order_id="ord_gw", **options) -> str:
    return sandbox.state.create_receipt(order_id=order_id, price=price, method=method, **options)[
        "receipt_id"
    ]


def issue(gateway, **changes) -> CashReceiptResult:
    options = {
        "order_id": "ord_gw-cr1",
        "order_name": "재발행",
        "kind": "income_deduction",
        "identifier": IDENTIFIER,
        "price": 20_000,
        "tax_free": 0,
        "purchased_at": None,
    } | changes
    return gateway.cash_receipt_issue(**options)


def test_publish_returns_a_typed_result_without_the_identifier(sandbox, make_gateway):
    receipt_id = paid(sandbox)

    result = make_gateway().cash_receipt_publish(
        receipt_id=receipt_id, kind="expense_proof", identifier=IDENTIFIER, buyer_name="홍길동"
    )

    assert isinstance(result, CashReceiptResult)
    assert result.receipt_id == receipt_id and result.approval_no.isdigit()
    assert result.issued_at is not None and result.issued_at.utcoffset() == timedelta(hours=9)
    assert result.receipt_url.startswith("https://")
    assert "cash_receipt_no" not in result.raw["cash_receipt_data"]
    assert "cash_receipt_no" not in result.raw["vbank_data"]
    assert result.raw["vbank_data"]["cash_receipt_tid"] == result.approval_no
    assert "9876" not in repr(result) and "98765432" not in str(result.raw)
    sent = [e for e in sandbox.state.requests if e["template"] == "request/receipt/cash/publish"][-1]
    assert sent["body"]["cash_receipt_type"] == "지출증빙" and sent["body"]["identity_no"] == "***"


def test_issue_sends_purchased_at_and_reads_it_back(sandbox, make_gateway):
    when = datetime(2025, 5, 1, 12, 30, tzinfo=KST)

    result = issue(make_gateway(), purchased_at=when, tax_free=3_000)

    assert (result.price, result.tax_free, result.issued_at) == (20_000, 3_000, when)
    assert result.raw["method_symbol"] == "cash_receipt"
    assert sandbox.state.get_receipt(result.receipt_id)["purchased_at"] == "2025-05-01T12:30:00+09:00"


def test_client_key_auth_works_on_every_cash_receipt_path(sandbox, make_gateway):
    gateway = make_gateway(
        application_id="", private_key="", client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY
    )
    receipt_id = paid(sandbox, "bank")

    gateway.cash_receipt_publish(receipt_id=receipt_id, kind="income_deduction", identifier=IDENTIFIER)
    gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="x")
    gateway.cash_receipt_cancel(receipt_id=issue(gateway).receipt_id, reason="x")

    assert {e["auth"] for e in sandbox.state.requests} == {"Basic"}
    assert [r["status"] for r in sandbox.state.list_cash_receipts()] == ["cancelled", "cancelled"]


def test_refusals_never_carry_the_identifier(sandbox, make_gateway):
    gateway = make_gateway()
    card = paid(sandbox, "card")

    with pytest.raises(GatewayError) as refused:
        gateway.cash_receipt_publish(receipt_id=card, kind="income_deduction", identifier=IDENTIFIER)

    assert refused.value.code == "RC_CASH_RECEIPT_FAILED"
    assert "98765432" not in str(refused.value) and "98765432" not in str(refused.value.payload)
    with pytest.raises(GatewayError) as short:
        gateway.cash_receipt_publish(receipt_id=paid(sandbox), kind="income_deduction", identifier="010-12")
    assert short.value.code == "RC_CASH_RECEIPT_FAILED" and "01012" not in str(short.value.payload)


def test_bad_arguments_are_refused_before_any_call(sandbox, make_gateway):
    gateway = make_gateway()
    with pytest.raises(ValueError):
        issue(gateway, kind="소득공제")
    with pytest.raises(ValueError):
        issue(gateway, order_id="")
    with pytest.raises(ValueError):
        issue(gateway, price=100, tax_free=101)
    with pytest.raises(GatewayError):
        gateway.cash_receipt_cancel(receipt_id="../cancel", reason="x")
    assert sandbox.state.calls() == {}


def test_a_hanging_emulator_is_bounded_by_the_gateway_timeout(sandbox, make_gateway):
    gateway = make_gateway(timeout_s=0.5)
    receipt_id = paid(sandbox)
    gateway.lookup_receipt(receipt_id)
    sandbox.state.add_fault(path="request/receipt/cash/publish", mode="hang", latency_s=2, times=1)

    with pytest.raises(GatewayUnavailable):
        gateway.cash_receipt_publish(receipt_id=receipt_id, kind="income_deduction", identifier=IDENTIFIER)

    assert sandbox.state.list_cash_receipts() == []
    assert gateway.cash_receipt_publish(receipt_id=receipt_id, kind="income_deduction", identifier=IDENTIFIER)


def test_an_injected_pg_code_is_a_refusal(sandbox, make_gateway):
    gateway = make_gateway()
    sandbox.state.add_fault(
        path="request/cash/receipt", mode="error_code", error_code="RC_CASH_RECEIPT_FAILED"
    )

    with pytest.raises(GatewayError) as refused:
        issue(gateway)
    assert refused.value.code == "RC_CASH_RECEIPT_FAILED"


@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
def test_a_partial_refund_is_cancel_and_reissue_for_the_remainder(sandbox, make_gateway):
    """What the backend does on a partial refund of a cash-like payment: cancel the receipt issued on the
    payment, issue a stand-alone one for what the payment keeps (`<order_id>-cr<N>`)."""
    gateway = make_gateway()
    receipt_id = paid(sandbox, "bank", price=30_000, order_id="ord_refund")
    gateway.cash_receipt_publish(receipt_id=receipt_id, kind="income_deduction", identifier=IDENTIFIER)

    gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="부분환불", amount=12_000)
    gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="부분환불")
    kept = gateway.lookup_receipt(receipt_id)
    reissued = issue(gateway, order_id="ord_refund-cr1", price=kept.price - kept.cancelled_price)
    assert reissued.price == 18_000

    live = [r for r in sandbox.state.list_cash_receipts(order_id="ord_refund") if r["status"] == "live"]
    assert [(r["kind"], r["receipt_id"]) for r in live] == [("standalone", reissued.receipt_id)]
    assert sum(r["price"] for r in live) == 18_000 == kept.price - kept.cancelled_price


@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
def test_publish_reports_the_amount_the_payment_still_holds(sandbox, make_gateway):
    """A publish answers the payment's receipt: its `price` is what was paid; the receipt covers what is
    kept."""
    gateway = make_gateway()
    receipt_id = paid(sandbox, "bank", price=30_000, order_id="ord_kept")
    gateway.cancel(receipt_id=receipt_id, cancel_id="cx-kept", reason="부분환불", amount=10_000)

    result = gateway.cash_receipt_publish(
        receipt_id=receipt_id, kind="income_deduction", identifier=IDENTIFIER
    )

    assert (result.price, result.tax_free) == (20_000, 0)
    live = sandbox.state.list_cash_receipts(order_id="ord_kept")
    assert [r["price"] for r in live] == [20_000]


def test_a_receipt_keeps_no_cash_receipt_number_whatever_bootpay_answers():
    """The core stores a receipt's `raw` (payment, events, cancellations): should Bootpay answer the number
    a cash receipt went to in full, it is dropped before anything can store it."""
    from payments.gateway import Receipt

    payload = {
        "receipt_id": "64f1a2b3c4d5e6f708192a3b",
        "status": 1,
        "price": 30_000,
        "bank_data": {"cash_receipt_tid": "123456789", "cash_receipt_no": "01098765432"},
        "cash_receipt_data": {"tid": "123456789", "cash_receipt_no": "01098765432", "cash_receipt_type": 1},
        "items": [{"identity_no": "01098765432"}],
    }

    receipt = Receipt.from_payload(payload)

    assert "01098765432" not in str(receipt.raw)
    assert receipt.raw["bank_data"] == {"cash_receipt_tid": "123456789"}
