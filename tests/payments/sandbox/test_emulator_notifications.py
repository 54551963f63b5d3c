"""The emulator's webhooks for the changes /v2 calls apply (charge, cancel, confirm), over real HTTP.

Bootpay notifies the merchant's webhook URL of every change it applies, whether or not the caller was
still there to read the answer: a caller that timed out, reset its connection or lost the answer still
gets the webhook. Calls go through our gateway and the unmodified SDK (the ``sandbox`` and
``make_gateway`` fixtures of tests/conftest.py) or, for a connection reset, a raw socket; deliveries
land in a real HTTP receiver. No database is used.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from payments.gateway import GatewayError, GatewayUnavailable
from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY, SandboxServer
from tests.payments.webhook_receiver import Receiver

# The emulator holds the call this long, then applies it; the caller gives up well before.
LATENCY_S = 1.0
CALLER_TIMEOUT_S = 0.3


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def notified(sandbox: SandboxServer, receiver: Receiver) -> SandboxServer:
    """The emulator with the merchant's webhook URL configured (the admin's 웹훅 설정)."""
    sandbox.state.update_settings(webhook_url=receiver.url)
    return sandbox


@pytest.fixture
def sandbox_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="payments.sandbox")
    return caplog


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def assert_no_handler_failure(log: pytest.LogCaptureFixture) -> None:
    """The write to the hung-up caller (if it failed at all) is a debug line, never an error."""

    def handler_lines() -> list[logging.LogRecord]:
        return [r for r in log.records if r.name.startswith("payments.sandbox")]

    # the handler thread logs after it started the notification: give it a moment to finish
    wait_until(lambda: any("hung up" in r.getMessage() for r in handler_lines()), timeout=1.0)
    failures = [r.getMessage() for r in handler_lines() if r.levelno >= logging.WARNING]
    assert failures == []


def setup_call(sandbox: SandboxServer, call: str) -> tuple[str, Callable[[Any], Any], tuple[int, str]]:
    """(path of the call, the call through a gateway, the (status, webhook_type) its webhook carries)."""
    state = sandbox.state
    if call == "charge":
        key = state.issue_billing_key("bkr_notify")["billing_key"]
        return (
            "subscribe/payment",
            lambda gateway: gateway.charge_billing_key(
                billing_key=key, order_id="ord_n1", order_name="월간 구독", price=9_900, tax_free=0
            ),
            (1, "PAYMENT_COMPLETED"),
        )
    if call == "cancel":
        paid = state.create_receipt(order_id="ord_n1", price=10_000)["receipt_id"]
        return (
            "cancel",
            lambda gateway: gateway.cancel(receipt_id=paid, cancel_id="cx-n1", reason="buyer", amount=4_000),
            (20, "PAYMENT_PARTIAL_CANCELLED"),
        )
    awaiting = state.create_receipt(order_id="ord_n1", price=10_000, state="awaiting_confirm")["receipt_id"]
    return "confirm", lambda gateway: gateway.confirm(awaiting), (1, "PAYMENT_COMPLETED")


CALLS = ["charge", "cancel", "confirm"]


# ----- the caller is gone: the change is notified all the same ------------------------------------------


@pytest.mark.parametrize("call", CALLS)
def test_a_call_whose_caller_timed_out_is_still_notified(
    notified: SandboxServer, make_gateway, receiver: Receiver, sandbox_log, call: str
) -> None:
    path, run, (status, webhook_type) = setup_call(notified, call)
    gateway = make_gateway(timeout_s=CALLER_TIMEOUT_S)
    notified.state.add_fault(path=path, mode="latency", latency_s=LATENCY_S, times=1)

    with pytest.raises(GatewayUnavailable):
        run(gateway)

    [delivered] = receiver.payloads(1, timeout=LATENCY_S + 5)
    [receipt] = notified.state.list_receipts("ord_n1")
    assert (delivered["receipt_id"], delivered["order_id"]) == (receipt["receipt_id"], "ord_n1")
    assert (delivered["status"], delivered["webhook_type"]) == (receipt["status"], webhook_type)
    assert receipt["status"] == status
    assert_no_handler_failure(sandbox_log)


def test_a_charge_whose_caller_reset_the_connection_is_still_notified(
    notified: SandboxServer, receiver: Receiver, sandbox_log
) -> None:
    key = notified.state.issue_billing_key("bkr_notify")["billing_key"]
    notified.state.add_fault(path="subscribe/payment", mode="latency", latency_s=0.3, times=1)
    body = json.dumps({"billing_key": key, "order_id": "ord_rst", "order_name": "월간 구독", "price": 9_900})
    auth = base64.b64encode(f"{SANDBOX_CLIENT_KEY}:{SANDBOX_SECRET_KEY}".encode()).decode()
    request = (
        f"POST /v2/subscribe/payment HTTP/1.1\r\nHost: {notified.host}:{notified.port}\r\n"
        f"Authorization: Basic {auth}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
    ).encode()

    with socket.create_connection((notified.host, notified.port), timeout=5) as conn:
        conn.sendall(request)
        time.sleep(0.1)  # the emulator has read the request and sits in the latency
        # SO_LINGER 0: close() sends a TCP reset, as a client killed mid-call does
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    [delivered] = receiver.payloads(1, timeout=5)
    [receipt] = notified.state.list_receipts("ord_rst")
    assert (delivered["receipt_id"], delivered["status"], delivered["webhook_type"]) == (
        receipt["receipt_id"],
        1,
        "PAYMENT_COMPLETED",
    )
    assert_no_handler_failure(sandbox_log)


@pytest.mark.parametrize("call", CALLS)
def test_a_lost_answer_is_still_notified(
    notified: SandboxServer, make_gateway, receiver: Receiver, call: str
) -> None:
    path, run, (status, webhook_type) = setup_call(notified, call)
    gateway = make_gateway()
    notified.state.add_fault(path=path, mode="lost_answer", times=1)

    with pytest.raises(GatewayUnavailable):
        run(gateway)

    [delivered] = receiver.payloads(1)
    [receipt] = notified.state.list_receipts("ord_n1")
    assert (delivered["receipt_id"], delivered["status"], delivered["webhook_type"]) == (
        receipt["receipt_id"],
        status,
        webhook_type,
    )


# ----- which calls notify, with what ----------------------------------------------------------------------


def test_partial_then_full_cancels_are_notified_with_their_webhook_type(
    notified: SandboxServer, make_gateway, receiver: Receiver
) -> None:
    receipt_id = notified.state.create_receipt(order_id="ord_cx", price=10_000, tax_free=2_000)["receipt_id"]
    gateway = make_gateway()

    gateway.cancel(receipt_id=receipt_id, cancel_id="cx-1", reason="one item", amount=3_000)
    first = receiver.payloads(1)[0]
    gateway.cancel(receipt_id=receipt_id, cancel_id="cx-2", reason="the rest")

    second = receiver.payloads(2)[1]
    assert len(receiver.received) == 2
    assert (first["receipt_id"], first["status"], first["webhook_type"], first["cancelled_price"]) == (
        receipt_id,
        20,
        "PAYMENT_PARTIAL_CANCELLED",
        3_000,
    )
    assert (second["receipt_id"], second["status"], second["webhook_type"], second["cancelled_price"]) == (
        receipt_id,
        20,
        "PAYMENT_CANCELLED",
        10_000,
    )
    assert second["cancelled_tax_free"] == 2_000 and second["cancelled_at"]
    assert receiver.received[0]["content_type"] == "application/json"


def test_a_full_cancel_in_one_call_is_notified_as_cancelled(
    notified: SandboxServer, make_gateway, receiver: Receiver
) -> None:
    receipt_id = notified.state.create_receipt(order_id="ord_cx", price=10_000)["receipt_id"]

    make_gateway().cancel(receipt_id=receipt_id, cancel_id="cx-all", reason="whole order")

    [delivered] = receiver.payloads(1)
    assert (delivered["status"], delivered["webhook_type"], delivered["cancelled_price"]) == (
        20,
        "PAYMENT_CANCELLED",
        10_000,
    )


def test_a_confirm_is_notified_as_a_completed_payment(
    notified: SandboxServer, make_gateway, receiver: Receiver
) -> None:
    awaiting = notified.state.create_receipt(order_id="ord_cf", price=12_000, state="awaiting_confirm")

    confirmed = make_gateway().confirm(awaiting["receipt_id"])

    [delivered] = receiver.payloads(1)
    assert confirmed.status == 1
    assert (delivered["receipt_id"], delivered["status"], delivered["webhook_type"], delivered["price"]) == (
        awaiting["receipt_id"],
        1,
        "PAYMENT_COMPLETED",
        12_000,
    )
    assert delivered["purchased_at"]


def test_a_webhook_that_fails_is_retried_like_a_charge_webhook(
    notified: SandboxServer, make_gateway, receiver: Receiver
) -> None:
    receipt_id = notified.state.create_receipt(order_id="ord_retry", price=10_000)["receipt_id"]
    receiver.answers = [(500, b'{"success": false}'), (200, b"OK")]  # neither counts as delivered

    make_gateway().cancel(receipt_id=receipt_id, cancel_id="cx-r", reason="retry")

    deliveries = receiver.payloads(3)  # three quick attempts, as for a charge
    time.sleep(0.5)
    assert len(receiver.received) == 3
    assert [d["webhook_type"] for d in deliveries] == ["PAYMENT_CANCELLED"] * 3


def test_refused_and_replayed_calls_notify_nothing(
    notified: SandboxServer, make_gateway, receiver: Receiver
) -> None:
    state = notified.state
    paid = state.create_receipt(order_id="ord_no", price=10_000)["receipt_id"]
    gateway = make_gateway()
    gateway.cancel(receipt_id=paid, cancel_id="cx-once", reason="first", amount=1_000)
    receiver.wait_for(1)
    state.update_settings(duplicate_cancel_id="replay")

    gateway.cancel(receipt_id=paid, cancel_id="cx-once", reason="retried", amount=1_000)  # replayed
    with pytest.raises(GatewayError):
        gateway.cancel(receipt_id=paid, cancel_id="cx-big", reason="too much", amount=50_000)
    with pytest.raises(GatewayError):
        gateway.confirm(paid)  # not awaiting confirmation: RC_NOT_CONFIRM_READY

    time.sleep(0.5)
    assert state.get_receipt(paid)["cancelled_price"] == 1_000
    assert len(receiver.received) == 1


def test_nothing_is_sent_without_a_configured_webhook_url(
    sandbox: SandboxServer, make_gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted: list[str] = []

    def post(url: str, **kwargs: Any) -> None:  # every webhook attempt goes through requests.post
        posted.append(url)
        raise requests.ConnectionError("nowhere to go")

    monkeypatch.setattr(requests, "post", post)
    state = sandbox.state
    assert state.settings()["webhook_url"] is None  # the default
    paid = state.create_receipt(order_id="ord_quiet", price=10_000)["receipt_id"]
    awaiting = state.create_receipt(order_id="ord_quiet", price=10_000, state="awaiting_confirm")
    key = state.issue_billing_key("bkr_quiet")["billing_key"]
    gateway = make_gateway()

    gateway.cancel(receipt_id=paid, cancel_id="cx-q1", reason="partial", amount=1_000)
    gateway.cancel(receipt_id=paid, cancel_id="cx-q2", reason="rest")
    gateway.confirm(awaiting["receipt_id"])
    gateway.charge_billing_key(billing_key=key, order_id="ord_quiet", order_name="n", price=1_000, tax_free=0)

    time.sleep(0.3)
    assert posted == []
