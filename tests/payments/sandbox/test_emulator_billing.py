"""Wire-level tests of the emulator's automatic-payment paths and their control API.

Bootpay calls go through the real, unmodified ``bootpay_backend`` SDK (as in test_emulator.py); the
control API and deliberately bad requests through plain ``requests``. No database is used.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from bootpay_backend import BootpayBackend

from payments.sandbox import (
    SANDBOX_APPLICATION_ID,
    SANDBOX_CLIENT_KEY,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_SECRET_KEY,
    SandboxServer,
)
from payments.sandbox.common import BILLING_KEY_LIFETIME_DAYS
from tests.payments.webhook_receiver import Receiver

FUTURE = "2031-05-01T09:00:00+09:00"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(port=0) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _fresh_state(server: SandboxServer) -> None:
    server.state.reset()


@pytest.fixture
def sdk(server: SandboxServer) -> BootpayBackend:
    client = BootpayBackend(
        mode="sandbox", application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY
    )
    client.BASE_URL = {**BootpayBackend.BASE_URL, "sandbox": server.api_url}
    assert "error_code" not in client.get_access_token()
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


def ctl(server: SandboxServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.url}/_sandbox/{path}", timeout=10, **kwargs)


def basic() -> dict[str, str]:
    token = base64.b64encode(f"{SANDBOX_CLIENT_KEY}:{SANDBOX_SECRET_KEY}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def issue(server: SandboxServer, **fields: Any) -> dict[str, Any]:
    fields.setdefault("subscription_id", "bkr_wire")
    response = ctl(server, "POST", "billing-keys", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def charge(sdk: BootpayBackend, billing_key: str, order_id: str = "ord_c1", **fields: Any) -> dict[str, Any]:
    return sdk.request_subscribe_card_payment(
        billing_key=billing_key,
        order_name="월간 구독",
        price=fields.pop("price", 9_900),
        order_id=order_id,
        **fields,
    )


def reserve(sdk: BootpayBackend, billing_key: str, order_id: str = "ord_r1", **fields: Any) -> dict[str, Any]:
    return sdk.subscribe_payment_reserve(
        billing_key=billing_key,
        order_name="월간 구독",
        price=9_900,
        order_id=order_id,
        reserve_execute_at=fields.pop("reserve_execute_at", FUTURE),
        **fields,
    )


# ----- issuance and lookups -----------------------------------------------------------------------------


def test_issuing_a_key_makes_a_status_11_receipt_and_a_billing_object(server: SandboxServer, sdk) -> None:
    issued = issue(server, subscription_id="bkr_1", card_company="국민", card_number="5365123456781234")
    assert issued["status"] == "active" and issued["decline"] is False
    assert issued["billing_key_hint"] == "…" + issued["billing_key"][-4:]
    assert issued["card_no"] == "53651234****1234" and issued["subscription_id"] == "bkr_1"

    receipt = sdk.receipt_payment(issued["receipt_id"])
    assert (receipt["status"], receipt["status_locale"], receipt["order_id"]) == (
        11,
        "빌링키발급완료",
        "bkr_1",
    )
    assert "billing_key" not in receipt

    billing = sdk.lookup_subscribe_billing_key(issued["receipt_id"])
    assert billing == sdk.lookup_billing_key(issued["billing_key"])
    assert billing["billing_key"] == issued["billing_key"] and billing["status"] == 11
    assert billing["status_locale"] == "빌링키발급완료"
    assert (billing["receipt_id"], billing["subscription_id"]) == (issued["receipt_id"], "bkr_1")
    assert billing["billing_data"]["card_no"] == "53651234****1234"
    assert billing["billing_data"]["card_company"] == "국민"
    assert billing["billing_expire_at"].endswith("+09:00")
    assert {
        "gateway_url",
        "metadata",
        "pg",
        "method",
        "method_symbol",
        "published_at",
        "requested_at",
    } <= set(billing)
    assert BILLING_KEY_LIFETIME_DAYS > 365  # a card's lifetime, not a session's


def test_the_default_test_card_is_masked_like_bootpay(server: SandboxServer) -> None:
    issued = issue(server)
    assert (issued["card_no"], issued["card_company"]) == ("51234567****1234", "신한")
    listed = ctl(server, "GET", "billing-keys").json()
    assert [entry["billing_key"] for entry in listed] == [issued["billing_key"]]


def test_lookup_errors(server: SandboxServer, sdk) -> None:
    plain = ctl(server, "POST", "receipts", json={"order_id": "o", "price": 1_000}).json()
    assert sdk.lookup_subscribe_billing_key(plain["receipt_id"])["error_code"] == "RC_NOT_SUBSCRIBE"
    assert sdk.lookup_subscribe_billing_key("a" * 24)["error_code"] == "RC_NOT_FOUND"
    assert sdk.lookup_billing_key("a" * 24)["error_code"] == "SUBSCRIBE_BK_EXPIRED"
    assert sdk.subscribe_payment_reserve_lookup("a" * 24)["error_code"] == "RC_NOT_FOUND"
    assert sdk.cancel_subscribe_reserve("a" * 24)["error_code"] == "RC_NOT_FOUND"
    response = requests.get(f"{server.api_url}/billing_key/{'a' * 24}", headers=basic(), timeout=5)
    assert response.status_code == 404
    response = requests.get(
        f"{server.api_url}/subscribe/billing_key/{plain['receipt_id']}", headers=basic(), timeout=5
    )
    assert response.status_code == 400


# ----- charges --------------------------------------------------------------------------------------------


def test_a_charge_is_an_ordinary_paid_receipt(server: SandboxServer, sdk) -> None:
    key = issue(server)["billing_key"]

    receipt = charge(sdk, key, order_id="ord_c1", price=12_000, tax_free=2_000, metadata={"period": 1})

    assert (receipt["status"], receipt["order_id"], receipt["price"], receipt["tax_free"]) == (
        1,
        "ord_c1",
        12_000,
        2_000,
    )
    assert receipt["method_symbol"] == "card_rebill_rest" and receipt["purchased_at"].endswith("+09:00")
    assert receipt["metadata"] == {"period": 1} and "billing_key" not in receipt
    assert sdk.receipt_payment(receipt["receipt_id"]) == receipt
    cancelled = sdk.cancel_payment(receipt["receipt_id"], cancel_price=2_000, cancel_id="c1")
    assert (cancelled["status"], cancelled["cancelled_price"]) == (20, 2_000)


def test_a_declining_key_refuses_without_a_receipt(server: SandboxServer, sdk) -> None:
    key = issue(server, decline=True)["billing_key"]

    response = requests.post(
        f"{server.api_url}/subscribe/payment",
        json={"billing_key": key, "order_id": "ord_d", "order_name": "n", "price": 1_000},
        headers=basic(),
        timeout=5,
    )

    assert (response.status_code, response.json()) == (
        400,
        {"error_code": "RC_CARD_DECLINED", "message": "카드 승인 거절"},
    )
    assert server.state.list_receipts("ord_d") == []
    answer = ctl(server, "POST", f"billing-keys/{key}/decline", json={"decline": False})
    assert answer.status_code == 200 and answer.json()["decline"] is False
    assert charge(sdk, key, order_id="ord_d")["status"] == 1
    ctl(server, "POST", f"billing-keys/{key}/decline", json={"decline": True})
    assert charge(sdk, key, order_id="ord_d")["error_code"] == "RC_CARD_DECLINED"


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"order_name": "n", "price": 1_000}, "order_id"),
        ({"order_id": "o", "price": 1_000}, "order_name"),
        ({"order_id": "o", "order_name": "n"}, "price"),
        ({"order_id": "o", "order_name": "n", "price": "1000"}, "price"),
        ({"order_id": "o", "order_name": "n", "price": 0}, "price"),
        ({"order_id": "o", "order_name": "n", "price": 10.5}, "price"),
        ({"order_id": "o", "order_name": "n", "price": 1_000, "tax_free": 1_001}, "tax_free"),
        ({"order_id": ["o"], "order_name": "n", "price": 1_000}, "order_id"),
        ({"order_id": "o", "order_name": "n", "price": 1_000, "metadata": "x"}, "metadata"),
    ],
)
@pytest.mark.parametrize("path", ["subscribe/payment", "subscribe/payment/reserve"])
def test_bad_charge_and_reserve_bodies_are_invalid_parameter(server: SandboxServer, body, word, path) -> None:
    key = issue(server)["billing_key"]
    full = {"billing_key": key, "reserve_execute_at": FUTURE, **body}

    response = requests.post(f"{server.api_url}/{path}", json=full, headers=basic(), timeout=5)

    assert (response.status_code, response.json()["error_code"]) == (400, "INVALID_PARAMETER")
    assert word in response.json()["message"]
    assert server.state.list_receipts() == [r for r in server.state.list_receipts() if r["status"] == 11]
    assert server.state.list_reservations() == []


def test_a_charge_without_a_key_or_with_garbage_is_refused_cleanly(server: SandboxServer) -> None:
    for key in (None, "", 5, ["k"], "no-such-key"):
        response = requests.post(
            f"{server.api_url}/subscribe/payment",
            json={"billing_key": key, "order_id": "o", "order_name": "n", "price": 1_000},
            headers=basic(),
            timeout=5,
        )
        assert response.status_code == 404 and response.json()["error_code"] == "SUBSCRIBE_BK_EXPIRED", key
    for raw in (b"[1, 2]", b"{nope"):
        response = requests.post(f"{server.api_url}/subscribe/payment", data=raw, headers=basic(), timeout=5)
        assert response.status_code == 400 and response.json()["error_code"] == "INVALID_JSON"


def test_paths_beside_the_billing_routes_are_unknown(server: SandboxServer) -> None:
    key = issue(server)["billing_key"]
    for method, path in (
        ("POST", f"subscribe/payment/reserve/{key}"),
        ("GET", "subscribe/payment/reserve"),
        ("GET", "subscribe/payment"),
        ("POST", f"billing_key/{key}"),
        ("GET", "subscribe/billing_key"),
        ("PUT", f"subscribe/billing_key/{key}"),
        ("GET", f"billing_key/{key}/x"),
    ):
        response = requests.request(method, f"{server.api_url}/{path}", json={}, headers=basic(), timeout=5)
        assert (response.status_code, response.json()["error_code"]) == (404, "NOT_FOUND_PATH"), path
        assert key not in response.text
    assert server.state.list_reservations() == []


# ----- reservations ---------------------------------------------------------------------------------------


def test_reserve_lookup_cancel_and_execute(server: SandboxServer, sdk, receiver: Receiver) -> None:
    key = issue(server)["billing_key"]

    answer = reserve(sdk, key, order_id="ord_r1", reserve_execute_at="2031-05-01T09:00:00+0900")
    assert set(answer) == {"reserve_id", "reserve_execute_at"}
    assert answer["reserve_execute_at"] == FUTURE  # the SDK README's +0900 form, answered as +09:00
    reservation = sdk.subscribe_payment_reserve_lookup(answer["reserve_id"])
    assert (reservation["status"], reservation["receipt_id"], reservation["order_id"]) == (1, None, "ord_r1")
    assert {
        "reserve_id",
        "receipt_id",
        "order_id",
        "price",
        "tax_free",
        "order_name",
        "user",
        "feedback_url",
        "metadata",
        "content_type",
        "reserve_requested_at",
        "reserve_execute_at",
        "reserve_started_at",
        "reserve_finished_at",
        "reserve_revoked_at",
        "status",
    } <= set(reservation)
    assert "billing_key" not in reservation

    executed = ctl(
        server, "POST", f"reservations/{answer['reserve_id']}/execute", json={"webhook_url": receiver.url}
    )
    assert executed.status_code == 200, executed.text
    body = executed.json()
    assert body["reservation"]["status"] == 2 and body["error"] is None
    assert body["reservation"]["receipt_id"] == body["receipt"]["receipt_id"]
    # notified like any other change: in the background, the answer shows its log entry
    assert (body["webhook"]["receipt_id"], body["webhook"]["url"]) == (
        body["receipt"]["receipt_id"],
        receiver.url,
    )
    assert body["webhook"]["state"] in ("sending", "delivered")
    [delivered] = receiver.payloads(1)
    assert (delivered["receipt_id"], delivered["order_id"], delivered["webhook_type"]) == (
        body["receipt"]["receipt_id"],
        "ord_r1",
        "PAYMENT_COMPLETED",
    )
    assert delivered["method_symbol"] == "card_rebill_rest" and "billing_key" not in delivered
    assert sdk.receipt_payment(body["receipt"]["receipt_id"])["status"] == 1
    assert sdk.cancel_subscribe_reserve(answer["reserve_id"])["error_code"] == "RC_RESERVE_NOT_CANCELLABLE"
    again = ctl(server, "POST", f"reservations/{answer['reserve_id']}/execute", json={})
    assert (again.status_code, again.json()["error_code"]) == (400, "INVALID_PARAMETER")

    second = reserve(sdk, key, order_id="ord_r2")
    assert sdk.cancel_subscribe_reserve(second["reserve_id"]) == {
        "reserve_id": second["reserve_id"],
        "success": True,
    }
    cancelled = sdk.subscribe_payment_reserve_lookup(second["reserve_id"])
    assert cancelled["status"] == 3 and cancelled["reserve_revoked_at"]
    assert ctl(server, "POST", f"reservations/{second['reserve_id']}/execute").status_code == 400
    listed = ctl(server, "GET", "reservations").json()
    assert [(r["order_id"], r["status"]) for r in listed] == [("ord_r1", 2), ("ord_r2", 3)]
    assert all(r["billing_key_hint"] == "…" + key[-4:] and "billing_key" not in r for r in listed)


def test_executing_for_a_declining_or_destroyed_key_fails_the_reservation(
    server: SandboxServer, sdk, receiver
) -> None:
    key = issue(server)["billing_key"]
    declined, destroyed = reserve(sdk, key, order_id="ord_x1"), reserve(sdk, key, order_id="ord_x2")
    server.state.update_settings(webhook_url=receiver.url)

    ctl(server, "POST", f"billing-keys/{key}/decline", json={"decline": True})
    first = ctl(server, "POST", f"reservations/{declined['reserve_id']}/execute").json()
    assert sdk.destroy_billing_key(key) == {"billing_key": key}
    second = ctl(server, "POST", f"reservations/{destroyed['reserve_id']}/execute").json()

    assert (first["reservation"]["status"], first["receipt"], first["error"]["error_code"]) == (
        4,
        None,
        "RC_CARD_DECLINED",
    )
    assert (second["reservation"]["status"], second["error"]["error_code"]) == (4, "SUBSCRIBE_BK_EXPIRED")
    assert first["webhook"] is None and second["webhook"] is None
    assert server.state.list_receipts("ord_x1") == server.state.list_receipts("ord_x2") == []
    time.sleep(0.3)
    assert receiver.received == []


def test_ten_pending_reservations_per_key(server: SandboxServer, sdk) -> None:
    key = issue(server)["billing_key"]
    ids = [reserve(sdk, key, order_id=f"ord_{n}")["reserve_id"] for n in range(10)]

    refused = requests.post(
        f"{server.api_url}/subscribe/payment/reserve",
        json={
            "billing_key": key,
            "order_id": "o",
            "order_name": "n",
            "price": 1_000,
            "reserve_execute_at": FUTURE,
        },
        headers=basic(),
        timeout=5,
    )
    assert (refused.status_code, refused.json()["error_code"]) == (400, "RC_RESERVE_LIMIT")

    ctl(server, "POST", f"reservations/{ids[0]}/execute")  # an executed one no longer counts
    assert "reserve_id" in reserve(sdk, key, order_id="ord_10")


@pytest.mark.parametrize(
    ("execute_at", "word"),
    [
        ("2001-01-01T09:00:00+09:00", "future"),
        ("2031-05-01T09:00:00", "offset"),
        ("tomorrow", "ISO 8601"),
        ("", "reserve_execute_at"),
        (None, "reserve_execute_at"),
    ],
)
def test_bad_execution_times_are_refused(server: SandboxServer, sdk, execute_at, word) -> None:
    key = issue(server)["billing_key"]

    answer = reserve(sdk, key, reserve_execute_at=execute_at)

    assert answer["error_code"] == "INVALID_PARAMETER" and word in answer["message"]
    assert server.state.list_reservations() == []


def test_destroy_keeps_reservations_and_expires_the_key(server: SandboxServer, sdk) -> None:
    issued = issue(server)
    key = issued["billing_key"]
    pending = reserve(sdk, key)

    assert sdk.destroy_billing_key(key) == {"billing_key": key}

    assert sdk.subscribe_payment_reserve_lookup(pending["reserve_id"])["status"] == 1
    for answer in (
        sdk.lookup_billing_key(key),
        sdk.lookup_subscribe_billing_key(issued["receipt_id"]),
        charge(sdk, key, order_id="ord_gone"),
        reserve(sdk, key, order_id="ord_gone"),
        sdk.destroy_billing_key(key),
    ):
        assert answer["error_code"] == "SUBSCRIBE_BK_EXPIRED"
    assert ctl(server, "GET", "billing-keys").json()[0]["status"] == "destroyed"
    assert server.state.list_receipts("ord_gone") == []


# ----- charge webhooks ------------------------------------------------------------------------------------


def test_charges_are_notified_to_the_configured_webhook(
    server: SandboxServer, sdk, receiver: Receiver
) -> None:
    key = issue(server)["billing_key"]
    settings = ctl(server, "POST", "settings", json={"webhook_url": receiver.url})
    assert settings.json()["webhook_url"] == receiver.url

    receipt = charge(sdk, key, order_id="ord_w1")

    [delivered] = receiver.payloads(1)
    assert (delivered["receipt_id"], delivered["order_id"], delivered["status"]) == (
        receipt["receipt_id"],
        "ord_w1",
        1,
    )
    assert delivered["webhook_type"] == "PAYMENT_COMPLETED" and "billing_key" not in delivered
    assert receiver.received[0]["content_type"] == "application/json"

    assert ctl(server, "POST", "settings", json={"webhook_url": None}).json()["webhook_url"] is None
    charge(sdk, key, order_id="ord_w2")
    time.sleep(0.3)
    assert len(receiver.received) == 1


def test_a_charge_feedback_url_wins_and_may_ask_for_a_form(
    server: SandboxServer, sdk, receiver: Receiver
) -> None:
    key = issue(server)["billing_key"]
    other = Receiver()
    try:
        server.state.update_settings(webhook_url=other.url)
        charge(
            sdk,
            key,
            order_id="ord_f1",
            feedback_url=receiver.url,
            content_type="application/x-www-form-urlencoded",
        )
        receiver.wait_for(1)
    finally:
        other.close()
    assert receiver.received[0]["content_type"] == "application/x-www-form-urlencoded"
    assert b"ord_f1" in receiver.received[0]["body"] and other.received == []


def test_a_lost_charge_answer_still_charges_and_notifies(
    server: SandboxServer, sdk, receiver: Receiver
) -> None:
    key = issue(server)["billing_key"]
    server.state.update_settings(webhook_url=receiver.url)
    ctl(server, "POST", "faults", json={"path": "subscribe/payment", "mode": "lost_answer", "times": 1})

    with pytest.raises(requests.ConnectionError):
        charge(sdk, key, order_id="ord_lost")

    [receipt] = server.state.list_receipts("ord_lost")
    [delivered] = receiver.payloads(1)
    assert delivered["receipt_id"] == receipt["receipt_id"] and receipt["status"] == 1


def test_an_unreachable_webhook_never_fails_the_charge(server: SandboxServer, sdk) -> None:
    key = issue(server)["billing_key"]
    server.state.update_settings(webhook_url="http://127.0.0.1:9/hook")

    assert charge(sdk, key, order_id="ord_unreachable")["status"] == 1


# ----- auth, faults, lost answers ---------------------------------------------------------------------------


def billing_requests(key: str, receipt_id: str, reserve_id: str) -> list[tuple[str, str, dict | None]]:
    order = {"order_id": "ord_auth", "order_name": "n", "price": 1_000}
    return [
        ("GET", f"subscribe/billing_key/{receipt_id}", None),
        ("GET", f"billing_key/{key}", None),
        ("POST", "subscribe/payment", {"billing_key": key, **order}),
        ("POST", "subscribe/payment/reserve", {"billing_key": key, "reserve_execute_at": FUTURE, **order}),
        ("GET", f"subscribe/payment/reserve/{reserve_id}", None),
        ("DELETE", f"subscribe/payment/reserve/{reserve_id}", None),
        ("DELETE", f"subscribe/billing_key/{key}", None),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic bm9wZTpub3Bl"},
        {"Authorization": "Basic ###"},
    ],
    ids=["none", "bad-bearer", "bad-basic", "garbage"],
)
def test_every_billing_path_needs_auth(server: SandboxServer, headers) -> None:
    issued = issue(server)
    reserve_id = server.state.reserve_charge(
        issued["billing_key"], reserve_execute_at=FUTURE, order_id="ord_p", price=1_000, order_name="n"
    )["reserve_id"]

    for method, path, body in billing_requests(issued["billing_key"], issued["receipt_id"], reserve_id):
        response = requests.request(method, f"{server.api_url}/{path}", json=body, headers=headers, timeout=5)
        assert (response.status_code, response.json()["error_code"]) == (401, "TOKEN_KEY_INVALID"), path

    assert server.state.list_receipts("ord_auth") == []
    assert [r["status"] for r in server.state.list_reservations()] == [1]
    assert server.state.list_billing_keys()[0]["status"] == "active"


def test_faults_on_billing_paths_come_before_auth_and_change_nothing(server: SandboxServer) -> None:
    issued = issue(server)
    reserve_id = server.state.reserve_charge(
        issued["billing_key"], reserve_execute_at=FUTURE, order_id="ord_p", price=1_000, order_name="n"
    )["reserve_id"]
    ctl(server, "POST", "faults", json={"path": "", "mode": "error_code", "error_code": "RC_FAULT"})

    for method, path, body in billing_requests(issued["billing_key"], issued["receipt_id"], reserve_id):
        response = requests.request(method, f"{server.api_url}/{path}", json=body, timeout=5)  # no auth
        assert (response.status_code, response.json()["error_code"]) == (400, "RC_FAULT"), path

    assert server.state.list_receipts("ord_auth") == []
    assert [r["status"] for r in server.state.list_reservations()] == [1]


def test_lost_answer_applies_the_call_then_drops_the_connection(server: SandboxServer, sdk) -> None:
    issued = issue(server)
    key = issued["billing_key"]
    paid = ctl(server, "POST", "receipts", json={"order_id": "o", "price": 10_000}).json()["receipt_id"]
    ctl(server, "POST", "faults", json={"path": "", "mode": "lost_answer"})

    for call in (
        lambda: sdk.cancel_payment(paid, cancel_price=1_000, cancel_id="lost-1"),
        lambda: reserve(sdk, key, order_id="ord_lost_r"),
        lambda: sdk.destroy_billing_key(key),
        lambda: sdk.confirm_payment(paid),  # refused (status 20): the refusal is lost as well
    ):
        with pytest.raises(requests.ConnectionError):
            call()

    ctl(server, "DELETE", "faults")
    assert sdk.receipt_payment(paid)["cancelled_price"] == 1_000
    assert [r["order_id"] for r in server.state.list_reservations()] == ["ord_lost_r"]
    assert sdk.lookup_billing_key(key)["error_code"] == "SUBSCRIBE_BK_EXPIRED"


def test_a_lost_token_answer_issued_the_token(server: SandboxServer) -> None:
    ctl(server, "POST", "faults", json={"path": "request/token", "mode": "lost_answer", "times": 1})
    client = BootpayBackend(
        mode="sandbox", application_id=SANDBOX_APPLICATION_ID, private_key=SANDBOX_PRIVATE_KEY
    )
    client.BASE_URL = {**BootpayBackend.BASE_URL, "sandbox": server.api_url}

    with pytest.raises(requests.ConnectionError):
        client.get_access_token()

    first = server.state.issue_token(SANDBOX_APPLICATION_ID)
    assert client.get_access_token()["access_token"] == first["access_token"]  # the same token again


def test_lost_answer_is_a_listed_fault_mode(server: SandboxServer) -> None:
    created = ctl(server, "POST", "faults", json={"path": "cancel", "mode": "lost_answer", "latency_s": 0.1})
    assert created.status_code == 201 and created.json()["mode"] == "lost_answer"
    refused = ctl(server, "POST", "faults", json={"path": "cancel", "mode": "lost"})
    assert refused.status_code == 400 and "lost_answer" in refused.json()["message"]


# ----- control API input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subscription_id": ""},
        {"subscription_id": 5},
        {"subscription_id": "x" * 101},
        {"subscription_id": "s", "card_number": "abc"},
        {"subscription_id": "s", "card_number": "1234"},
        {"subscription_id": "s", "card_number": 5123456789011234},
        {"subscription_id": "s", "card_company": 7},
        {"subscription_id": "s", "decline": "yes"},
        {"subscription_id": "s", "colour": "red"},
    ],
)
def test_bad_billing_key_bodies_are_invalid_parameter(server: SandboxServer, body) -> None:
    response = ctl(server, "POST", "billing-keys", json=body)
    assert (response.status_code, response.json()["error_code"]) == (400, "INVALID_PARAMETER")
    assert server.state.list_billing_keys() == []


def test_bad_control_calls_on_keys_and_reservations_answer_json_errors(server: SandboxServer) -> None:
    key = issue(server)["billing_key"]
    for path, body, status in (
        (f"billing-keys/{key}/decline", {}, 400),
        (f"billing-keys/{key}/decline", {"decline": "no"}, 400),
        (f"billing-keys/{key}/decline", {"decline": None}, 400),
        ("billing-keys/no-such-key/decline", {"decline": True}, 404),
        ("reservations/no-such-id/execute", {}, 404),
        ("reservations/no-such-id/execute", {"webhook_url": "ftp://x"}, 400),
        ("settings", {"webhook_url": "not a url"}, 400),
        ("settings", {"webhook_url": 5}, 400),
        ("settings", {"webhook_url": "http://ok", "duplicate_cancel_id": "bad"}, 400),
    ):
        response = ctl(server, "POST", path, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["error_code"] and response.json()["message"]
    # all or nothing
    assert server.state.settings() == {
        "duplicate_cancel_id": "refuse",
        "webhook_url": None,
        "vbank_refund_contract": True,
        "partial_cancel_methods": ["card"],
    }


# ----- the emulator's own log -------------------------------------------------------------------------------


def test_the_emulator_log_masks_billing_keys(server: SandboxServer, sdk, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="payments.sandbox")
    key = issue(server)["billing_key"]
    sdk.lookup_billing_key(key)
    sdk.destroy_billing_key(key)
    requests.get(f"{server.api_url}/billing_key/{key}/extra", headers=basic(), timeout=5)
    ctl(server, "POST", "faults", json={"path": f"billing_key/{key}", "mode": "latency", "times": 1})
    sdk.lookup_billing_key(key)

    assert "billing_key/***" in caplog.text
    assert key not in caplog.text
    assert all(
        key not in json.dumps(entry, default=str) for entry in (r.getMessage() for r in caplog.records)
    )
