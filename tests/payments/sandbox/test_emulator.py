"""Wire-level tests of the local Bootpay emulator.

Bootpay calls go through the real, unmodified ``bootpay_backend`` SDK (this is the one place outside
``payments/gateway/`` that imports it: it proves the emulator speaks what the SDK expects). The control
API is exercised with plain ``requests``. No database is used.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from bootpay_backend import BootpayBackend

from payments.sandbox import (
    SANDBOX_APPLICATION_ID,
    SANDBOX_CLIENT_KEY,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_SECRET_KEY,
    SandboxCredentials,
    SandboxServer,
    SandboxState,
)
from tests.payments.webhook_receiver import Receiver

ISO_KST = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")
REFUND = {"bank_account": "1234567890", "bank_username": "홍길동", "bank_code": "004"}


# ----- fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(port=0) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _fresh_state(request: pytest.FixtureRequest) -> None:
    if "server" in request.fixturenames:
        request.getfixturevalue("server").state.reset()


def make_client(server: SandboxServer, **keys: Any) -> BootpayBackend:
    client = BootpayBackend(mode="sandbox", **keys)
    # the documented way to retarget the SDK: replace the class-level BASE_URL on the instance
    client.BASE_URL = {**BootpayBackend.BASE_URL, "sandbox": server.api_url}
    return client


@pytest.fixture
def sdk(server: SandboxServer) -> BootpayBackend:
    """Legacy pair client with a token already fetched."""
    client = make_client(server, application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY)
    assert "error_code" not in client.get_access_token()
    return client


@pytest.fixture
def basic_sdk(server: SandboxServer) -> BootpayBackend:
    return make_client(server, client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY)


def basic_header(
    client_key: str = SANDBOX_CLIENT_KEY, secret_key: str = SANDBOX_SECRET_KEY
) -> dict[str, str]:
    token = base64.b64encode(f"{client_key}:{secret_key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def ctl(server: SandboxServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.url}/_sandbox/{path}", timeout=10, **kwargs)


def create(server: SandboxServer, **fields: Any) -> dict[str, Any]:
    fields.setdefault("order_id", "order-1")
    fields.setdefault("price", 10_000)
    response = ctl(server, "POST", "receipts", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def add_fault(server: SandboxServer, **fields: Any) -> dict[str, Any]:
    response = ctl(server, "POST", "faults", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


# ----- auth and lookup ---------------------------------------------------------------------------------


def test_token_then_lookup_through_the_sdk(server: SandboxServer) -> None:
    client = make_client(server, application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY)
    token = client.get_access_token()
    assert re.fullmatch(r"[0-9a-f]{40}", token["access_token"])
    assert token["expire_in"] == 1800

    created = create(server, order_id="o-lookup", price=15_000, tax_free=500)
    receipt = client.receipt_payment(created["receipt_id"], lookup_user_data=True)

    assert receipt == created
    assert re.fullmatch(r"[0-9a-f]{24}", receipt["receipt_id"])
    assert receipt["order_id"] == "o-lookup"
    assert (receipt["price"], receipt["tax_free"]) == (15_000, 500)
    assert (receipt["cancelled_price"], receipt["cancelled_tax_free"]) == (0, 0)
    assert (receipt["status"], receipt["status_locale"]) == (1, "결제완료")
    assert receipt["sandbox"] is True and receipt["currency"] == "KRW" and receipt["metadata"] == {}
    assert (receipt["method_symbol"], receipt["method"], receipt["pg"]) == ("card", "카드", "나이스페이먼츠")
    assert ISO_KST.match(receipt["requested_at"]) and ISO_KST.match(receipt["purchased_at"])
    assert receipt["cancelled_at"] is None
    assert receipt["card_data"]["card_quota"] == "00"
    assert not {"vbank_data", "bank_data", "phone_data"} & set(receipt)

    assert server.state.call_count("POST", "request/token") == 1
    assert server.state.call_count("GET", "receipt") == 1
    lookup = server.state.requests[-1]
    assert lookup["query"] == "lookup_user_data=true"
    assert lookup["headers"]["BOOTPAY-SDK-TYPE"] == "302"
    assert lookup["auth"] == "Bearer"
    assert token["access_token"] not in json.dumps(server.state.requests)  # secrets are not kept
    assert SANDBOX_PRIVATE_KEY not in json.dumps(server.state.requests)


def test_basic_auth_pair_needs_no_token_call(server: SandboxServer, basic_sdk: BootpayBackend) -> None:
    assert basic_sdk.get_access_token() == {"access_token": "", "expire_in": 0}  # synthetic, no HTTP
    receipt_id = create(server)["receipt_id"]

    assert basic_sdk.receipt_payment(receipt_id)["receipt_id"] == receipt_id
    assert server.state.call_count("POST", "request/token") == 0
    assert ctl(server, "GET", "calls").json() == {"GET receipt": 1}
    assert server.state.requests[-1]["auth"] == "Basic"


def test_wrong_keys_are_refused_with_error_codes(server: SandboxServer) -> None:
    unknown = make_client(server, application_id="nope", private_key=SANDBOX_PRIVATE_KEY).get_access_token()
    assert unknown["error_code"] == "APP_KEY_NOT_FOUND" and unknown["message"]
    wrong = make_client(server, application_id=SANDBOX_APPLICATION_ID, private_key="wrong").get_access_token()
    assert wrong["error_code"] == "APP_SK_NOT_MATCHED"

    receipt_id = create(server)["receipt_id"]
    bad_pair = make_client(server, client_key=SANDBOX_CLIENT_KEY, secret_key="wrong")
    assert bad_pair.receipt_payment(receipt_id)["error_code"] == "TOKEN_KEY_INVALID"

    url = f"{server.api_url}/receipt/{receipt_id}"
    for headers in ({"Authorization": "Bearer " + "0" * 40}, {}, {"Authorization": "Basic !!!"}):
        response = requests.get(url, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json()["error_code"] == "TOKEN_KEY_INVALID"
    response = requests.post(f"{server.api_url}/request/token", json={"application_id": "nope"}, timeout=5)
    assert (response.status_code, response.json()["error_code"]) == (401, "APP_KEY_NOT_FOUND")


def test_token_reused_within_25_minutes_then_renewed(server: SandboxServer) -> None:
    client = make_client(server, application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY)
    receipt_id = create(server)["receipt_id"]
    first = client.get_access_token()["access_token"]

    ctl(server, "POST", "clock", json={"advance_s": 24 * 60})
    again = client.get_access_token()
    assert again["access_token"] == first
    assert again["expire_in"] == 6 * 60  # what is left of the 30-minute lifetime

    ctl(server, "POST", "clock", json={"advance_s": 2 * 60})  # 26 min after issue
    renewed = client.get_access_token()["access_token"]
    assert renewed != first
    old = make_client(server, application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY)
    old.token = first
    assert old.receipt_payment(receipt_id)["receipt_id"] == receipt_id  # still inside its 30 minutes

    server.state.advance_clock(5 * 60)  # 31 min after the first issue
    assert old.receipt_payment(receipt_id)["error_code"] == "TOKEN_KEY_INVALID"
    assert client.receipt_payment(receipt_id)["receipt_id"] == receipt_id


def test_unknown_receipt_and_unknown_path(server: SandboxServer, sdk: BootpayBackend) -> None:
    assert sdk.receipt_payment("0" * 24) == {
        "error_code": "RC_NOT_FOUND",
        "message": "영수증 정보를 찾지 못했습니다.",
    }
    response = requests.get(f"{server.api_url}/receipt/{'0' * 24}", headers=basic_header(), timeout=5)
    assert response.status_code == 404
    assert sdk.certificate("0" * 24)["error_code"] == "RC_NOT_FOUND"
    response = requests.get(f"{server.api_url}/wallet", headers=basic_header(), timeout=5)
    assert (response.status_code, response.json()["error_code"]) == (404, "NOT_FOUND_PATH")  # out of scope
    response = requests.get(f"{server.url}/elsewhere", timeout=5)
    assert (response.status_code, response.json()["error_code"]) == (404, "NOT_FOUND_PATH")


def test_configured_credentials_replace_the_defaults() -> None:
    credentials = SandboxCredentials.build(
        application_id="app", private_key="pk", client_key="ck", secret_key="sk"
    )
    with SandboxServer(credentials=credentials) as srv:
        assert "error_code" not in make_client(srv, application_id="app", private_key="pk").get_access_token()
        default = make_client(srv, application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY)
        assert default.get_access_token()["error_code"] == "APP_KEY_NOT_FOUND"
        receipt_id = srv.state.create_receipt(order_id="o", price=1000)["receipt_id"]
        assert make_client(srv, client_key="ck", secret_key="sk").receipt_payment(receipt_id)["status"] == 1
        basic_default = make_client(srv, client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY)
        assert basic_default.receipt_payment(receipt_id)["error_code"] == "TOKEN_KEY_INVALID"
    assert "sk" not in repr(credentials) and "pk" not in repr(credentials)


# ----- confirm -----------------------------------------------------------------------------------------


def test_confirm_moves_status_2_to_1_once(server: SandboxServer, sdk: BootpayBackend) -> None:
    created = create(server, state="awaiting_confirm")
    assert (created["status"], created["purchased_at"]) == (2, None)

    confirmed = sdk.confirm_payment(created["receipt_id"])
    assert (confirmed["status"], confirmed["status_locale"]) == (1, "결제완료")
    assert ISO_KST.match(confirmed["purchased_at"])

    assert sdk.confirm_payment(created["receipt_id"])["error_code"] == "RC_NOT_CONFIRM_READY"
    assert sdk.confirm_payment("f" * 24)["error_code"] == "RC_NOT_FOUND"


def test_expired_and_failed_receipts(server: SandboxServer, sdk: BootpayBackend) -> None:
    waiting = create(server, state="awaiting_confirm")
    expired = ctl(server, "POST", f"receipts/{waiting['receipt_id']}/expire").json()
    assert expired["status"] == -1
    assert sdk.confirm_payment(waiting["receipt_id"])["error_code"] == "RC_NOT_CONFIRM_READY"
    assert ctl(server, "POST", f"receipts/{waiting['receipt_id']}/expire").status_code == 400

    failed = create(server, state="failed")
    assert (failed["status"], failed["status_locale"]) == (-2, "결제실패")
    assert sdk.cancel_payment(failed["receipt_id"])["error_code"] == "RC_CANCEL_SERVER_ERROR"


# ----- cancel ------------------------------------------------------------------------------------------


def test_partial_cancel_then_remainder(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server, price=10_000, tax_free=2_000)["receipt_id"]

    partial = sdk.cancel_payment(
        receipt_id,
        cancel_id="c-1",
        cancel_price=3_000,
        cancel_tax_free=500,
        cancel_username="staff",
        cancel_message="one item",
    )
    assert (partial["status"], partial["cancelled_price"], partial["cancelled_tax_free"]) == (20, 3_000, 500)
    assert partial["status_locale"] != "결제취소완료"
    assert ISO_KST.match(partial["cancelled_at"])

    rest = sdk.cancel_payment(receipt_id, cancel_id="c-2")  # no cancel_price: everything that remains
    assert (rest["status"], rest["status_locale"]) == (20, "결제취소완료")
    assert (rest["cancelled_price"], rest["cancelled_tax_free"]) == (10_000, 2_000)

    assert sdk.cancel_payment(receipt_id, cancel_id="c-3")["error_code"] == "RC_ALREADY_CANCELLED"
    detail = ctl(server, "GET", f"receipts/{receipt_id}").json()
    assert [(c["cancel_id"], c["price"], c["tax_free"]) for c in detail["_cancellations"]] == [
        ("c-1", 3_000, 500),
        ("c-2", 7_000, 1_500),
    ]
    assert detail["_cancellations"][0]["cancel_message"] == "one item"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"cancel_price": 10_001}, "over the balance"),
        ({"cancel_price": 0}, "zero"),
        ({"cancel_price": -100}, "negative"),
        ({"cancel_price": 1_000, "cancel_tax_free": 1_500}, "tax free above the cancelled amount"),
        ({"cancel_price": 5_000, "cancel_tax_free": 2_500}, "tax free above the remaining tax free"),
        ({"cancel_price": "abc"}, "not a number"),
    ],
)
def test_invalid_cancel_is_refused_without_change(
    server: SandboxServer, sdk: BootpayBackend, kwargs: dict[str, Any], reason: str
) -> None:
    receipt_id = create(server, price=10_000, tax_free=2_000)["receipt_id"]
    answer = sdk.cancel_payment(receipt_id, **kwargs)
    assert answer["error_code"] == "RC_CANCEL_SERVER_ERROR", reason
    assert server.state.get_receipt(receipt_id)["cancelled_price"] == 0


def test_over_balance_after_partial_cancel(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server, price=10_000)["receipt_id"]
    assert sdk.cancel_payment(receipt_id, cancel_price=6_000)["cancelled_price"] == 6_000
    refused = sdk.cancel_payment(receipt_id, cancel_price=5_000)
    assert refused["error_code"] == "RC_CANCEL_SERVER_ERROR" and "4000" in refused["message"]
    assert sdk.cancel_payment(receipt_id, cancel_price=4_000)["cancelled_price"] == 10_000


def test_duplicate_cancel_id_refused_by_default(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server, price=10_000)["receipt_id"]
    assert sdk.cancel_payment(receipt_id, cancel_id="dup", cancel_price=1_000)["cancelled_price"] == 1_000
    again = sdk.cancel_payment(receipt_id, cancel_id="dup", cancel_price=1_000)
    assert again["error_code"] == "RC_ALREADY_CANCELLED" and "dup" in again["message"]
    assert server.state.get_receipt(receipt_id)["cancelled_price"] == 1_000
    # the SDK's default cancel_id "" is "not given", never a duplicate
    assert sdk.cancel_payment(receipt_id, cancel_price=1_000)["cancelled_price"] == 2_000
    assert sdk.cancel_payment(receipt_id, cancel_price=1_000)["cancelled_price"] == 3_000


def test_duplicate_cancel_id_replayed_when_configured(server: SandboxServer, sdk: BootpayBackend) -> None:
    assert ctl(server, "POST", "settings", json={"duplicate_cancel_id": "replay"}).json() == {
        "duplicate_cancel_id": "replay",
        "webhook_url": None,
        "vbank_refund_contract": True,
        "partial_cancel_methods": ["card"],
    }
    receipt_id = create(server, price=10_000)["receipt_id"]
    first = sdk.cancel_payment(receipt_id, cancel_id="dup", cancel_price=4_000)
    replay = sdk.cancel_payment(receipt_id, cancel_id="dup", cancel_price=4_000)
    assert replay == first and replay["cancelled_price"] == 4_000

    final = sdk.cancel_payment(receipt_id, cancel_id="last")
    assert sdk.cancel_payment(receipt_id, cancel_id="last") == final  # a retried final cancel is answered too
    assert len(server.state.cancellations(receipt_id)) == 2
    assert ctl(server, "POST", "settings", json={"duplicate_cancel_id": "other"}).status_code == 400


def test_vbank_issue_deposit_and_refund_rules(server: SandboxServer, sdk: BootpayBackend) -> None:
    issued = create(server, state="vbank_issued", price=20_000)
    assert (issued["status"], issued["method_symbol"], issued["method"]) == (5, "vbank", "가상계좌")
    assert issued["purchased_at"] is None
    assert {"bank_code", "bank_name", "bank_account", "bank_username", "sender_name", "expired_at"} <= set(
        issued["vbank_data"]
    )
    assert "card_data" not in issued

    paid = ctl(server, "POST", f"receipts/{issued['receipt_id']}/deposit").json()
    assert (paid["status"], paid["status_locale"]) == (1, "결제완료") and ISO_KST.match(paid["purchased_at"])
    assert ctl(server, "POST", f"receipts/{issued['receipt_id']}/deposit").status_code == 400

    no_refund = sdk.cancel_payment(issued["receipt_id"], cancel_price=5_000)
    assert no_refund["error_code"] == "RC_CANCEL_SERVER_ERROR" and "refund" in no_refund["message"]
    partial_refund = sdk.cancel_payment(issued["receipt_id"], refund={"bank_code": "004"})
    assert partial_refund["error_code"] == "RC_CANCEL_SERVER_ERROR"
    # Bootpay takes no partial cancel of a virtual account unless the merchant's PG contract does
    partial = sdk.cancel_payment(issued["receipt_id"], cancel_price=5_000, refund=REFUND)
    assert partial["error_code"] == "RC_CANCEL_SERVER_ERROR" and "부분취소" in partial["message"]
    contract = ctl(server, "POST", "settings", json={"partial_cancel_methods": ["card", "vbank"]})
    assert contract.status_code == 200, contract.text
    refunded = sdk.cancel_payment(issued["receipt_id"], cancel_price=5_000, refund=REFUND)
    assert refunded.get("status") == 20, refunded
    assert (refunded["status"], refunded["cancelled_price"]) == (20, 5_000)


def test_unpaid_vbank_cancels_without_refund_data(server: SandboxServer, sdk: BootpayBackend) -> None:
    issued = create(server, state="vbank_issued", price=20_000)
    assert (
        sdk.cancel_payment(issued["receipt_id"], cancel_price=1_000)["error_code"] == "RC_CANCEL_SERVER_ERROR"
    )
    cancelled = sdk.cancel_payment(issued["receipt_id"])
    assert (cancelled["status"], cancelled["cancelled_price"]) == (20, 20_000)


def test_concurrent_cancels_never_overdraw(server: SandboxServer, basic_sdk: BootpayBackend) -> None:
    receipt_id = create(server, price=10_000)["receipt_id"]
    barrier = threading.Barrier(20)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def cancel(n: int) -> None:
        barrier.wait()
        answer = basic_sdk.cancel_payment(receipt_id, cancel_id=f"c-{n}", cancel_price=1_000)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=cancel, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    ok = [a for a in answers if "error_code" not in a]
    assert len(answers) == 20 and len(ok) == 10
    assert {a["error_code"] for a in answers if "error_code" in a} <= {
        "RC_CANCEL_SERVER_ERROR",
        "RC_ALREADY_CANCELLED",
    }
    receipt = server.state.get_receipt(receipt_id)
    assert (receipt["cancelled_price"], receipt["status_locale"]) == (10_000, "결제취소완료")
    assert len(server.state.cancellations(receipt_id)) == 10


# ----- faults ------------------------------------------------------------------------------------------


def test_fault_status_500_with_json(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server)["receipt_id"]
    add_fault(server, path="receipt", mode="status_500", times=1)
    assert sdk.receipt_payment(receipt_id)["error_code"] == "INTERNAL_SERVER_ERROR"
    assert sdk.receipt_payment(receipt_id)["receipt_id"] == receipt_id  # times=1 used up
    response = requests.get(f"{server.api_url}/receipt/{receipt_id}", headers=basic_header(), timeout=5)
    assert response.status_code == 200


def test_fault_html_502_and_malformed_break_the_sdk(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server)["receipt_id"]
    add_fault(server, path="receipt", mode="html_502", times=1)
    response = requests.get(f"{server.api_url}/receipt/{receipt_id}", timeout=5)
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")

    add_fault(server, path="receipt", mode="html_502", times=1)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        sdk.receipt_payment(receipt_id)
    add_fault(server, path="confirm", mode="malformed", times=1)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        sdk.confirm_payment(receipt_id)


def test_fault_error_code_with_custom_status(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server, state="awaiting_confirm")["receipt_id"]
    add_fault(
        server,
        path="confirm",
        mode="error_code",
        error_code="RC_CONFIRM_FAILED",
        message="카드 거절",
        times=1,
    )
    assert sdk.confirm_payment(receipt_id) == {"error_code": "RC_CONFIRM_FAILED", "message": "카드 거절"}
    add_fault(
        server,
        path="confirm",
        mode="error_code",
        error_code="RC_CONFIRM_CRITICAL_FAILED",
        status=504,
        times=1,
    )
    response = requests.post(f"{server.api_url}/confirm", json={"receipt_id": receipt_id}, timeout=5)
    assert (response.status_code, response.json()["error_code"]) == (504, "RC_CONFIRM_CRITICAL_FAILED")
    assert server.state.get_receipt(receipt_id)["status"] == 2
    assert sdk.confirm_payment(receipt_id)["status"] == 1


def test_fault_reset_closes_the_connection(server: SandboxServer, sdk: BootpayBackend) -> None:
    add_fault(server, path="request/token", mode="reset", times=2)
    with pytest.raises(requests.exceptions.ConnectionError):
        sdk.get_access_token()
    with pytest.raises(requests.exceptions.ConnectionError):
        sdk.get_access_token()
    assert "access_token" in sdk.get_access_token()
    assert server.state.call_count("POST", "request/token") == 4  # fixture + 2 faulted + 1


def test_fault_latency_delays_but_answers(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server)["receipt_id"]
    add_fault(server, path="receipt", mode="latency", latency_s=0.3, times=1)
    started = time.monotonic()
    assert sdk.receipt_payment(receipt_id)["receipt_id"] == receipt_id
    assert time.monotonic() - started >= 0.3


def test_fault_hang_holds_the_request(server: SandboxServer) -> None:
    receipt_id = create(server)["receipt_id"]
    add_fault(server, path="receipt", mode="hang", latency_s=1.5, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{server.api_url}/receipt/{receipt_id}", headers=basic_header(), timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 1.5
    # the hang ends with the connection dropped, never with a response
    add_fault(server, path="receipt", mode="hang", latency_s=0.2, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.api_url}/receipt/{receipt_id}", headers=basic_header(), timeout=5)


def test_stop_releases_a_hanging_request() -> None:
    srv = SandboxServer().start()
    srv.state.add_fault("receipt", "hang")  # default: 60 s
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            requests.get(f"{srv.api_url}/receipt/x", timeout=30)
        except requests.RequestException as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    srv.stop()
    caller.join(timeout=10)
    assert not caller.is_alive() and time.monotonic() - started < 5
    assert isinstance(outcome.get("error"), requests.exceptions.ConnectionError)
    assert not srv.running


def test_faulted_cancel_does_not_change_state(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server, price=10_000)["receipt_id"]
    for mode in ("status_500", "html_502", "malformed", "reset"):
        add_fault(server, path="cancel", mode=mode, times=1)
        with pytest.raises(requests.RequestException) if mode != "status_500" else contextlib.nullcontext():
            sdk.cancel_payment(receipt_id, cancel_id="only-once", cancel_price=1_000)
    add_fault(server, path="cancel", mode="hang", latency_s=1, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{server.api_url}/cancel",
            json={"receipt_id": receipt_id, "cancel_id": "only-once"},
            headers=basic_header(),
            timeout=0.2,
        )

    assert server.state.get_receipt(receipt_id)["cancelled_price"] == 0
    assert server.state.cancellations(receipt_id) == []
    # the cancel_id was never consumed, so the retry goes through
    assert (
        sdk.cancel_payment(receipt_id, cancel_id="only-once", cancel_price=1_000)["cancelled_price"] == 1_000
    )
    assert server.state.call_count("POST", "cancel") == 6


def test_fault_path_prefix_and_clear(server: SandboxServer, sdk: BootpayBackend) -> None:
    receipt_id = create(server)["receipt_id"]
    add_fault(server, path="/v2/receipt", mode="status_500")  # prefixes are normalized; until cleared
    assert sdk.receipt_payment(receipt_id)["error_code"] == "INTERNAL_SERVER_ERROR"
    assert sdk.receipt_payment(receipt_id)["error_code"] == "INTERNAL_SERVER_ERROR"
    assert (
        sdk.cancel_payment(receipt_id, cancel_price=100)["cancelled_price"] == 100
    )  # other paths unaffected
    assert ctl(server, "GET", "faults").json()[0]["hits"] == 2
    assert ctl(server, "DELETE", "faults").status_code == 200
    assert sdk.receipt_payment(receipt_id)["receipt_id"] == receipt_id

    bad = ctl(server, "POST", "faults", json={"path": "receipt", "mode": "explode"})
    assert (bad.status_code, bad.json()["error_code"]) == (400, "INVALID_PARAMETER")


def test_handler_errors_become_json_500(
    server: SandboxServer, basic_sdk: BootpayBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(receipt_id: str) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.state, "get_receipt", explode)
    assert basic_sdk.receipt_payment("x")["error_code"] == "SANDBOX_INTERNAL"
    monkeypatch.undo()
    assert ctl(server, "GET", "health").json() == {"ok": True}  # the server survived


# ----- control API -------------------------------------------------------------------------------------


def test_control_api_receipts(server: SandboxServer) -> None:
    card = create(server, order_id="o-ctl", price=5_000)
    phone = create(server, order_id="o-ctl", price=5_000, method="phone", order_name="케이스")
    create(server, order_id="other", price=1_000, method="bank")

    listed = ctl(server, "GET", "receipts", params={"order_id": "o-ctl"}).json()
    assert {r["receipt_id"] for r in listed} == {card["receipt_id"], phone["receipt_id"]}
    assert phone["phone_data"] and phone["method"] == "휴대폰" and phone["order_name"] == "케이스"
    assert len(ctl(server, "GET", "receipts").json()) == 3
    assert ctl(server, "GET", f"receipts/{card['receipt_id']}").json()["_cancellations"] == []
    assert ctl(server, "GET", "receipts/nope").json()["error_code"] == "RC_NOT_FOUND"

    for bad in (
        {"order_id": "o", "price": 0},
        {"order_id": "o", "price": "100"},
        {"order_id": "", "price": 100},
        {"order_id": "o", "price": 100, "tax_free": 200},
        {"order_id": "o", "price": 100, "method": "bitcoin"},
        {"order_id": "o", "price": 100, "state": "vbank_issued", "method": "card"},
        {"order_id": "o", "price": 100, "colour": "red"},
    ):
        response = ctl(server, "POST", "receipts", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["error_code"] == "INVALID_PARAMETER"

    response = ctl(
        server, "POST", "receipts", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["error_code"]) == (400, "INVALID_JSON")
    assert ctl(server, "DELETE", "health").status_code == 405
    assert ctl(server, "GET", "nothing").json()["error_code"] == "NOT_FOUND_PATH"


def test_control_api_reset_and_invalid_bootpay_json(server: SandboxServer) -> None:
    receipt_id = create(server)["receipt_id"]
    response = requests.post(f"{server.api_url}/cancel", data=b"{oops", headers=basic_header(), timeout=5)
    assert (response.status_code, response.json()["error_code"]) == (400, "INVALID_JSON")
    assert ctl(server, "POST", "reset").json() == {"ok": True}
    assert ctl(server, "GET", f"receipts/{receipt_id}").status_code == 404
    assert ctl(server, "GET", "calls").json() == {}


# ----- webhooks ----------------------------------------------------------------------------------------


def test_webhook_delivered_on_success_true(
    server: SandboxServer, sdk: BootpayBackend, receiver: Receiver
) -> None:
    receipt_id = create(server, price=10_000)["receipt_id"]
    result = ctl(server, "POST", f"receipts/{receipt_id}/webhook", json={"url": receiver.url}).json()
    assert result == {"delivered": True, "attempts": 1, "last_status": 200, "last_body": '{"success": true}'}
    sent = json.loads(receiver.received[0]["body"])
    assert receiver.received[0]["content_type"] == "application/json"
    assert (sent["receipt_id"], sent["status"], sent["webhook_type"]) == (receipt_id, 1, "PAYMENT_COMPLETED")

    sdk.cancel_payment(receipt_id, cancel_price=1_000)
    ctl(server, "POST", f"receipts/{receipt_id}/webhook", json={"url": receiver.url})
    assert json.loads(receiver.received[1]["body"])["webhook_type"] == "PAYMENT_PARTIAL_CANCELLED"
    sdk.cancel_payment(receipt_id)
    ctl(server, "POST", f"receipts/{receipt_id}/webhook", json={"url": receiver.url})
    assert json.loads(receiver.received[2]["body"])["webhook_type"] == "PAYMENT_CANCELLED"

    # an out-of-order replay: an old "paid" snapshot arriving after the cancellation
    ctl(server, "POST", f"receipts/{receipt_id}/webhook", json={"url": receiver.url, "status": 1})
    stale = json.loads(receiver.received[3]["body"])
    assert (stale["status"], stale["webhook_type"]) == (1, "PAYMENT_COMPLETED")


def test_webhook_retries_until_acknowledged(server: SandboxServer, receiver: Receiver) -> None:
    receipt_id = create(server, state="vbank_issued")["receipt_id"]
    receiver.answers = [(500, b"oops"), (200, b"OK"), (200, b'{"success": false}')]
    result = ctl(
        server,
        "POST",
        f"receipts/{receipt_id}/webhook",
        json={"url": receiver.url, "retries": 5, "retry_interval_s": 0.01},
    ).json()
    assert (result["delivered"], result["attempts"]) == (True, 4)
    assert json.loads(receiver.received[0]["body"])["webhook_type"] == "PAYMENT_VIRTUAL_ACCOUNT_ISSUED"

    receiver.default = (200, b"{}")
    result = ctl(
        server,
        "POST",
        f"receipts/{receipt_id}/webhook",
        json={"url": receiver.url, "retries": 2, "retry_interval_s": 0},
    ).json()
    assert result == {"delivered": False, "attempts": 3, "last_status": 200, "last_body": "{}"}


def test_webhook_to_unreachable_url(server: SandboxServer) -> None:
    receipt_id = create(server)["receipt_id"]
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = ctl(
        server,
        "POST",
        f"receipts/{receipt_id}/webhook",
        json={"url": f"http://127.0.0.1:{port}/hook", "retries": 1, "retry_interval_s": 0},
    ).json()
    assert (result["delivered"], result["attempts"], result["last_status"]) == (False, 2, None)


def test_webhook_form_mode(server: SandboxServer, receiver: Receiver) -> None:
    receipt_id = create(server, metadata={"seller": 7})["receipt_id"]
    result = ctl(
        server,
        "POST",
        f"receipts/{receipt_id}/webhook",
        json={"url": receiver.url, "form": True, "webhook_type": "PAYMENT_COMPLETED"},
    ).json()
    assert result["delivered"] is True
    received = receiver.received[0]
    assert received["content_type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(received["body"].decode(), keep_blank_values=True).items()}
    assert form["receipt_id"] == receipt_id and form["price"] == "10000" and form["sandbox"] == "true"
    assert form["webhook_type"] == "PAYMENT_COMPLETED" and form["cancelled_at"] == ""
    assert json.loads(form["card_data"])["card_quota"] == "00"
    assert json.loads(form["metadata"]) == {"seller": 7}


# ----- Python API and management command -------------------------------------------------------------


def test_state_python_api_without_http() -> None:
    state = SandboxState()
    receipt = state.create_receipt(order_id="py", price=3_000, method="bank")
    assert receipt["bank_data"]["bank_code"] and receipt["method"] == "계좌이체"
    state.update_settings(partial_cancel_methods=["card", "bank"])
    state.cancel(receipt["receipt_id"], cancel_price=1_000, cancel_id="a")
    assert state.receipt_detail(receipt["receipt_id"])["_cancellations"][0]["cancel_id"] == "a"
    receipt["price"] = 1  # callers get copies
    assert state.get_receipt(receipt["receipt_id"])["price"] == 3_000
    fault = state.add_fault("cancel", "error_code", error_code="X", times=1)
    assert state.take_fault("cancel/more") is not None and state.take_fault("cancel") is None
    assert fault["mode"] == "error_code"
    state.advance_clock(3600)
    assert state.clock_offset == 3600
    state.reset()
    assert state.list_receipts() == [] and state.clock_offset == 0


def _django_settings_problem() -> str | None:
    if importlib.util.find_spec("config") is None or importlib.util.find_spec("config.settings") is None:
        return "config/settings.py does not exist yet"
    try:
        import django
        from django.conf import settings

        if not settings.configured:
            import os

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            django.setup()
    except Exception as exc:  # settings under construction must not break the emulator suite
        return f"Django settings cannot be loaded: {exc}"
    return None


def test_management_command_refuses_production_mode() -> None:
    problem = _django_settings_problem()
    if problem:
        pytest.skip(problem)
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    with override_settings(BOOTPAY_MODE="production"), pytest.raises(CommandError, match="production"):
        call_command("bootpay_sandbox", "--port", "0")


def test_management_command_serves_until_interrupted(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _django_settings_problem()
    if problem:
        pytest.skip(problem)
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    from payments.sandbox.management.commands import bootpay_sandbox

    seen: dict[str, Any] = {}

    def fake_wait(self: Any) -> None:
        url = re.search(r"listening on (\S+)", self.stdout._out.getvalue()).group(1)
        seen["health"] = requests.get(f"{url}/_sandbox/health", timeout=5).json()
        token = requests.post(
            f"{url}/v2/request/token", timeout=5, json={"application_id": "app-x", "private_key": "pk-x"}
        ).json()
        seen["token"] = token
        raise KeyboardInterrupt

    monkeypatch.setattr(bootpay_sandbox.Command, "wait", fake_wait)
    out = StringIO()
    with override_settings(
        BOOTPAY_MODE="sandbox",
        BOOTPAY_APPLICATION_ID="app-x",
        BOOTPAY_PRIVATE_KEY="pk-x",
        BOOTPAY_CLIENT_KEY="",
        BOOTPAY_SECRET_KEY="",
    ):
        call_command("bootpay_sandbox", "--port", "0", stdout=out)
    assert seen["health"] == {"ok": True}
    assert "access_token" in seen["token"]
    assert "pk-x" not in out.getvalue() and "Stopping." in out.getvalue()
