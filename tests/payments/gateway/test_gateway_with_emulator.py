"""The gateway against the sandbox emulator over real HTTP, through the unmodified SDK."""

import logging
import threading
import time

import pytest

from payments.gateway import GatewayError, GatewayUnavailable, Receipt, RefundAccount, token_cache
from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_PRIVATE_KEY, SANDBOX_SECRET_KEY


def paid_receipt(sandbox, price=15_000, **options) -> str:
    return sandbox.state.create_receipt(order_id="ord_test", price=price, **options)["receipt_id"]


def test_lookup_returns_a_typed_receipt(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, price=15_000, tax_free=5_000)

    receipt = make_gateway().lookup_receipt(receipt_id)

    assert isinstance(receipt, Receipt)
    assert (receipt.receipt_id, receipt.order_id, receipt.status) == (receipt_id, "ord_test", 1)
    assert (receipt.price, receipt.tax_free, receipt.cancelled_price) == (15_000, 5_000, 0)
    assert receipt.method_symbol == "card" and receipt.currency == "KRW" and receipt.sandbox is True
    assert receipt.purchased_at is not None and receipt.purchased_at.utcoffset().total_seconds() == 9 * 3600
    assert receipt.raw["card_data"]["card_quota"] == "00"


def test_the_sdk_speaks_its_own_wire_format(sandbox, make_gateway):
    make_gateway().lookup_receipt(paid_receipt(sandbox))

    lookup = [entry for entry in sandbox.state.requests if entry["template"] == "receipt"][-1]
    headers = {name.lower(): value for name, value in lookup["headers"].items()}
    assert headers["bootpay-sdk-type"] == "302"
    assert headers["bootpay-api-version"] == "5.1.0"
    assert lookup["auth"] == "Bearer"


def test_one_token_call_serves_many_lookups(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway()

    for _ in range(25):
        gateway.lookup_receipt(receipt_id)
    make_gateway().lookup_receipt(receipt_id)  # a second gateway object in the same process shares it

    assert sandbox.state.call_count("GET", "receipt") == 26
    assert sandbox.state.call_count("POST", "request/token") == 1


def test_concurrent_first_calls_make_one_token_call(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway()
    start, failures = threading.Barrier(10), []

    def lookup():
        try:
            start.wait(timeout=5)
            gateway.lookup_receipt(receipt_id)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=lookup) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert failures == []
    assert sandbox.state.call_count("POST", "request/token") == 1


def test_token_is_renewed_before_it_expires(sandbox, make_gateway, monkeypatch):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway()
    now = [1_000.0]
    monkeypatch.setattr(token_cache, "clock", lambda: now[0])

    gateway.lookup_receipt(receipt_id)
    now[0] += 24 * 60  # inside the window: reused
    gateway.lookup_receipt(receipt_id)
    assert sandbox.state.call_count("POST", "request/token") == 1

    now[0] += 2 * 60  # 26 minutes after issue: renewed before Bootpay's 30-minute expiry
    gateway.lookup_receipt(receipt_id)
    assert sandbox.state.call_count("POST", "request/token") == 2


def test_a_token_the_pg_dropped_is_renewed_once_and_the_call_retried(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway()
    gateway.lookup_receipt(receipt_id)
    sandbox.state.advance_clock(31 * 60)  # the PG expires our token while our cache still trusts it

    receipt = gateway.lookup_receipt(receipt_id)

    assert receipt.receipt_id == receipt_id
    assert sandbox.state.call_count("POST", "request/token") == 2


def test_client_key_pair_needs_no_token_call(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway(
        application_id="", private_key="", client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY
    )

    assert gateway.lookup_receipt(receipt_id).status == 1
    assert sandbox.state.call_count("POST", "request/token") == 0
    assert sandbox.state.requests[-1]["auth"] == "Basic"


@pytest.mark.parametrize(
    ("keys", "code"),
    [
        ({"application_id": "no-such-app"}, "APP_KEY_NOT_FOUND"),
        ({"private_key": "wrong-private-key"}, "APP_SK_NOT_MATCHED"),
        (
            {
                "application_id": "",
                "private_key": "",
                "client_key": SANDBOX_CLIENT_KEY,
                "secret_key": "wrong",
            },
            "TOKEN_KEY_INVALID",
        ),
    ],
)
def test_bad_keys_are_a_gateway_error(sandbox, make_gateway, keys, code):
    receipt_id = paid_receipt(sandbox)

    with pytest.raises(GatewayError) as error:
        make_gateway(**keys).lookup_receipt(receipt_id)

    assert error.value.code == code
    assert sandbox.state.call_count("GET", "receipt") <= 1  # refused, not retried in a loop


def test_unknown_receipt_is_rc_not_found(make_gateway):
    with pytest.raises(GatewayError) as error:
        make_gateway().lookup_receipt("0" * 24)
    assert error.value.code == "RC_NOT_FOUND"


def test_a_receipt_id_that_could_rewrite_the_url_is_refused_before_any_call(sandbox, make_gateway):
    with pytest.raises(GatewayError) as error:
        make_gateway().lookup_receipt("../cancel")
    assert error.value.code == "INVALID_RECEIPT_ID"
    assert sandbox.state.calls() == {}


def test_confirm_approves_a_separately_confirmed_payment(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, state="awaiting_confirm")
    gateway = make_gateway()
    assert gateway.lookup_receipt(receipt_id).status == 2

    receipt = gateway.confirm(receipt_id)

    assert receipt.status == 1 and receipt.purchased_at is not None
    with pytest.raises(GatewayError) as error:
        gateway.confirm(receipt_id)
    assert error.value.code == "RC_NOT_CONFIRM_READY"


def test_partial_then_full_cancel(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, price=30_000, tax_free=10_000)
    gateway = make_gateway()

    partial = gateway.cancel(
        receipt_id=receipt_id, cancel_id="cx-1", reason="one line", amount=12_000, tax_free=4_000
    )
    assert (partial.cancelled_price, partial.cancelled_tax_free, partial.remaining_price) == (
        12_000,
        4_000,
        18_000,
    )
    assert partial.status == 20 and partial.cancelled_at is not None

    full = gateway.cancel(receipt_id=receipt_id, cancel_id="cx-2", reason="the rest")
    assert (full.cancelled_price, full.remaining_price) == (30_000, 0)

    assert [c["cancel_id"] for c in sandbox.state.cancellations(receipt_id)] == ["cx-1", "cx-2"]
    with pytest.raises(GatewayError) as error:
        gateway.cancel(receipt_id=receipt_id, cancel_id="cx-3", reason="again")
    assert error.value.code == "RC_ALREADY_CANCELLED"


def test_cancel_above_the_balance_is_refused(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, price=10_000)

    with pytest.raises(GatewayError):
        make_gateway().cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="too much", amount=10_001)

    assert sandbox.state.get_receipt(receipt_id)["cancelled_price"] == 0


def test_a_repeated_cancel_id_never_cancels_twice(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, price=10_000)
    gateway = make_gateway()
    gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="first", amount=3_000)

    with pytest.raises(GatewayError):
        gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="retry", amount=3_000)

    assert sandbox.state.get_receipt(receipt_id)["cancelled_price"] == 3_000


def test_vbank_refund_carries_the_refund_account(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, method="vbank", state="vbank_issued", price=20_000)
    sandbox.state.deposit(receipt_id)
    gateway = make_gateway()

    with pytest.raises(GatewayError):
        gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="no account")
    receipt = gateway.cancel(
        receipt_id=receipt_id,
        cancel_id="cx-2",
        reason="refund",
        refund=RefundAccount(bank_code="004", bank_account="123456789012", bank_username="홍길동"),
    )

    assert receipt.cancelled_price == 20_000


# --- Faults: every failure mode becomes a typed exception -----------------------------------------


def test_a_hung_server_fails_within_the_timeout(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    gateway = make_gateway(timeout_s=0.5)
    gateway.lookup_receipt(receipt_id)  # token fetched; only the lookup hangs
    sandbox.state.add_fault(path="receipt", mode="hang", latency_s=30)

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable) as error:
        gateway.lookup_receipt(receipt_id)
    elapsed = time.monotonic() - started

    assert "0.5" in error.value.reason
    assert elapsed < 5  # the fault would hold the connection for 30 s; the SDK alone would wait forever


def test_a_hung_cancel_is_unavailable_and_changes_nothing(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, price=10_000)
    gateway = make_gateway(timeout_s=0.5)
    sandbox.state.add_fault(path="cancel", mode="hang", latency_s=30)

    with pytest.raises(GatewayUnavailable):
        gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="slow", amount=1_000)

    assert sandbox.state.get_receipt(receipt_id)["cancelled_price"] == 0


def test_latency_below_the_timeout_is_tolerated(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox)
    sandbox.state.add_fault(path="receipt", mode="latency", latency_s=0.2)

    assert make_gateway(timeout_s=2).lookup_receipt(receipt_id).status == 1


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"mode": "status_500", "error_code": "RC_CANCEL_CRITICAL_ERROR"}, 500),
        ({"mode": "html_502"}, 502),
        ({"mode": "malformed"}, None),
        ({"mode": "reset"}, None),
    ],
)
@pytest.mark.parametrize("operation", ["lookup", "confirm", "cancel"])
def test_server_faults_are_gateway_unavailable(sandbox, make_gateway, fault, status, operation):
    receipt_id = paid_receipt(sandbox, state="awaiting_confirm" if operation == "confirm" else "paid")
    gateway = make_gateway()
    gateway.lookup_receipt(receipt_id)
    path = {"lookup": "receipt", "confirm": "confirm", "cancel": "cancel"}[operation]
    sandbox.state.add_fault(path=path, **fault)
    call = {
        "lookup": lambda: gateway.lookup_receipt(receipt_id),
        "confirm": lambda: gateway.confirm(receipt_id),
        "cancel": lambda: gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="x", amount=100),
    }[operation]

    with pytest.raises(GatewayUnavailable) as error:
        call()

    assert error.value.status == status
    after = sandbox.state.get_receipt(receipt_id)
    assert after["cancelled_price"] == 0 and after["status"] == (2 if operation == "confirm" else 1)


def test_an_error_code_body_is_a_gateway_error_with_its_code(sandbox, make_gateway):
    receipt_id = paid_receipt(sandbox, state="awaiting_confirm")
    sandbox.state.add_fault(path="confirm", mode="error_code", error_code="RC_CONFIRM_FAILED", message="거절")

    with pytest.raises(GatewayError) as error:
        make_gateway().confirm(receipt_id)

    assert (error.value.code, error.value.message) == ("RC_CONFIRM_FAILED", "거절")


def test_nobody_listening_is_gateway_unavailable(make_gateway):
    gateway = make_gateway(api_url="http://127.0.0.1:9/v2", timeout_s=1)

    with pytest.raises(GatewayUnavailable):
        gateway.lookup_receipt("a" * 24)


def test_a_success_body_that_is_not_a_receipt_is_unavailable():
    with pytest.raises(GatewayUnavailable):
        Receipt.from_payload({"success": True})
    with pytest.raises(GatewayUnavailable):
        Receipt.from_payload({"receipt_id": "a", "status": 1, "price": "12.5"})


def test_keys_never_reach_logs_reprs_or_errors(sandbox, make_gateway, caplog):
    caplog.set_level(logging.DEBUG)
    gateway = make_gateway(private_key=SANDBOX_PRIVATE_KEY)
    sandbox.state.add_fault(path="receipt", mode="status_500")
    with pytest.raises(GatewayUnavailable) as unavailable:
        gateway.lookup_receipt(paid_receipt(sandbox))
    with pytest.raises(GatewayError) as refused:
        make_gateway(private_key="wrong-private-key").lookup_receipt("a" * 24)

    texts = [
        caplog.text,
        repr(gateway),
        str(unavailable.value),
        str(refused.value),
        repr(refused.value.payload),
    ]
    for secret in (SANDBOX_PRIVATE_KEY, "wrong-private-key"):
        assert not any(secret in text for text in texts)
    assert "bootpay receipt http_500" in caplog.text  # the call itself is logged, without secrets
