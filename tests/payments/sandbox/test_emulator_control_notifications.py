"""The emulator notifies by itself what the control API changes (payments/sandbox/notifications.py):
a receipt created paid (1) or with a virtual account issued (5), a deposit (1), a reserved charge;
the hold switch, the release of what was held, the log, the retries, and the `--webhook-url` option.

Everything goes over real HTTP, as a developer drives the emulator under `make run`: the control API
with `requests`, deliveries into a real receiver. No database is used.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from payments.sandbox import SandboxServer, SandboxState
from payments.sandbox import notifications as notifications_module
from tests.payments.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def notified(sandbox: SandboxServer, receiver: Receiver) -> SandboxServer:
    """The emulator with the merchant's webhook URL configured, as `make run` starts it."""
    sandbox.state.update_settings(webhook_url=receiver.url)
    return sandbox


def ctl(server: SandboxServer, method: str, path: str, **body: Any) -> Any:
    answer = requests.request(method, f"{server.url}/_sandbox/{path}", json=body or None, timeout=10)
    assert answer.ok, f"{method} /_sandbox/{path}: {answer.status_code} {answer.text}"
    return answer.json()


def issue_vbank(server: SandboxServer, order_id: str = "ord_vb") -> dict[str, Any]:
    return ctl(server, "POST", "receipts", order_id=order_id, price=18_000, state="vbank_issued")


def log(server: SandboxServer) -> list[dict[str, Any]]:
    return ctl(server, "GET", "notifications")["notifications"]


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ----- what the control API's changes notify ---------------------------------------------------------


def test_a_virtual_account_issued_then_deposited_is_notified_5_then_1(
    notified: SandboxServer, receiver: Receiver
) -> None:
    issued = issue_vbank(notified)
    first = receiver.payloads(1)[0]

    deposited = ctl(notified, "POST", f"receipts/{issued['receipt_id']}/deposit")

    second = receiver.payloads(2)[1]
    assert (first["receipt_id"], first["status"], first["webhook_type"]) == (
        issued["receipt_id"],
        5,
        "PAYMENT_VIRTUAL_ACCOUNT_ISSUED",
    )
    assert first["vbank_data"]["bank_account"] == issued["vbank_data"]["bank_account"]
    assert (second["receipt_id"], second["status"], second["webhook_type"]) == (
        issued["receipt_id"],
        1,
        "PAYMENT_COMPLETED",
    )
    assert second["purchased_at"] == deposited["purchased_at"] and second["order_id"] == "ord_vb"
    assert receiver.received[1]["content_type"] == "application/json"


def test_a_receipt_created_paid_is_notified_as_completed(notified: SandboxServer, receiver: Receiver) -> None:
    paid = ctl(notified, "POST", "receipts", order_id="ord_card", price=43_000, tax_free=25_000)

    [delivered] = receiver.payloads(1)
    assert (delivered["receipt_id"], delivered["status"], delivered["webhook_type"]) == (
        paid["receipt_id"],
        1,
        "PAYMENT_COMPLETED",
    )
    assert (delivered["price"], delivered["tax_free"]) == (43_000, 25_000)


@pytest.mark.parametrize("state", ["awaiting_confirm", "failed"])
def test_receipts_bootpay_does_not_notify_send_nothing(
    notified: SandboxServer, receiver: Receiver, state: str
) -> None:
    created = ctl(notified, "POST", "receipts", order_id="ord_quiet", price=1_000, state=state)
    if state == "awaiting_confirm":
        ctl(notified, "POST", f"receipts/{created['receipt_id']}/expire")  # 2 -> -1: not notified either

    time.sleep(0.3)
    assert receiver.received == [] and log(notified) == []


def test_a_reserved_charge_is_notified_in_the_background(notified: SandboxServer, receiver: Receiver) -> None:
    state = notified.state
    key = state.issue_billing_key("bkr_reserved")["billing_key"]
    reserve_id = state.reserve_charge(
        key, reserve_execute_at="2999-01-01T00:00:00+09:00", order_id="ord_rs", price=9_900, order_name="구독"
    )["reserve_id"]

    outcome = ctl(notified, "POST", f"reservations/{reserve_id}/execute")

    [delivered] = receiver.payloads(1)
    assert (delivered["receipt_id"], delivered["webhook_type"]) == (
        outcome["receipt"]["receipt_id"],
        "PAYMENT_COMPLETED",
    )
    assert outcome["webhook"]["url"] == receiver.url and outcome["webhook"]["id"] == log(notified)[0]["id"]


def test_without_a_webhook_url_nothing_is_sent_or_logged(sandbox: SandboxServer, monkeypatch) -> None:
    posted: list[str] = []
    monkeypatch.setattr(requests, "post", lambda url, **kwargs: posted.append(url))
    issued = sandbox.state.create_receipt(order_id="ord_none", price=1_000, state="vbank_issued")

    ctl_answer = requests.request(
        "POST", f"{sandbox.url}/_sandbox/receipts/{issued['receipt_id']}/deposit", timeout=10
    )

    assert ctl_answer.json()["status"] == 1
    time.sleep(0.3)
    assert posted == [] and sandbox.state.notifications() == {
        "hold": False,
        "webhook_url": None,
        "notifications": [],
    }


# ----- the hold switch, the release, the log -----------------------------------------------------------


def test_held_notifications_are_logged_not_sent_until_released_in_order(
    notified: SandboxServer, receiver: Receiver
) -> None:
    switched = ctl(notified, "POST", "notifications", hold=True)
    issued = issue_vbank(notified)
    ctl(notified, "POST", f"receipts/{issued['receipt_id']}/deposit")

    time.sleep(0.3)
    assert receiver.received == []
    assert switched == {"hold": True, "webhook_url": receiver.url, "notifications": []}
    held = log(notified)
    assert [(e["status"], e["webhook_type"], e["state"], e["attempts"]) for e in held] == [
        (5, "PAYMENT_VIRTUAL_ACCOUNT_ISSUED", "held", 0),
        (1, "PAYMENT_COMPLETED", "held", 0),
    ]

    released = ctl(notified, "POST", "notifications/release")["released"]

    delivered = receiver.payloads(2)
    assert [e["id"] for e in released] == [e["id"] for e in held]
    assert [(d["receipt_id"], d["status"]) for d in delivered] == [
        (issued["receipt_id"], 5),
        (issued["receipt_id"], 1),
    ]
    assert wait_until(lambda: [e["state"] for e in log(notified)] == ["delivered", "delivered"])
    assert ctl(notified, "GET", "notifications")["hold"] is True  # still holding what comes next


def test_switching_the_hold_off_sends_new_changes_and_keeps_the_held_ones_held(
    notified: SandboxServer, receiver: Receiver
) -> None:
    ctl(notified, "POST", "notifications", hold=True)
    issued = issue_vbank(notified)
    ctl(notified, "POST", "notifications", hold=False)

    ctl(notified, "POST", f"receipts/{issued['receipt_id']}/deposit")

    [delivered] = receiver.payloads(1)
    time.sleep(0.3)
    assert delivered["status"] == 1 and len(receiver.received) == 1
    assert [e["state"] for e in log(notified)] == ["held", "delivered"]


def test_the_hold_switch_takes_only_true_or_false(sandbox: SandboxServer) -> None:
    for body in ({"hold": "yes"}, {"hold": None}, {}):
        answer = requests.post(f"{sandbox.url}/_sandbox/notifications", json=body, timeout=10)
        assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER")
    assert sandbox.state.notifications()["hold"] is False


def test_a_reset_forgets_the_log_and_the_hold_and_abandons_retries(
    notified: SandboxServer, receiver: Receiver
) -> None:
    receiver.default = (503, b"{}")  # never acknowledged: the delivery keeps retrying
    issue_vbank(notified)
    receiver.wait_for(1)
    notified.state.hold_notifications(True)

    notified.state.reset()

    time.sleep(0.8)  # longer than the first pauses between attempts
    assert len(receiver.received) == 1
    assert notified.state.notifications() == {"hold": False, "webhook_url": None, "notifications": []}


# ----- retries -------------------------------------------------------------------------------------------


def test_a_delivery_not_acknowledged_is_retried_until_it_is(
    notified: SandboxServer, receiver: Receiver
) -> None:
    # an error, a 200 that is not {"success": true}, a body that is not JSON: none counts as delivered
    receiver.answers = [(500, b'{"success": false}'), (200, b'{"success": false}'), (200, b"OK")]
    issued = issue_vbank(notified)

    deliveries = receiver.payloads(4)

    assert [d["receipt_id"] for d in deliveries] == [issued["receipt_id"]] * 4
    assert wait_until(lambda: log(notified)[0]["state"] == "delivered")
    [entry] = log(notified)
    assert (entry["attempts"], entry["last_status"]) == (4, 200) and entry["delivered_at"]


def test_a_delivery_never_acknowledged_fails_after_bootpays_retry_count(
    notified: SandboxServer, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setattr(notifications_module, "NOTIFY_INTERVAL_S", 0.01)
    monkeypatch.setattr(notifications_module, "NOTIFY_MAX_INTERVAL_S", 0.02)
    receiver.default = (500, b'{"error": "down"}')
    issued = issue_vbank(notified)

    assert wait_until(lambda: log(notified)[0]["state"] == "failed")

    assert len(receiver.received) == 1 + notifications_module.NOTIFY_RETRIES == 11
    assert (log(notified)[0]["attempts"], log(notified)[0]["last_status"]) == (11, 500)
    [warning] = [r for r in caplog.records if r.name == "payments.sandbox.notifications"]
    assert issued["receipt_id"] in warning.getMessage() and "11 attempts" in warning.getMessage()


# ----- where the URL comes from -------------------------------------------------------------------------


def test_the_starting_webhook_url_survives_a_reset_and_a_bad_one_is_refused(receiver: Receiver) -> None:
    state = SandboxState(webhook_url=receiver.url)
    state.update_settings(webhook_url=None)

    state.reset()

    assert state.settings()["webhook_url"] == receiver.url
    with pytest.raises(Exception, match="webhook_url"):
        SandboxState(webhook_url="localhost:8000/hook")


def test_the_command_notifies_its_webhook_url(receiver: Receiver, monkeypatch, settings) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from payments.sandbox.management.commands import bootpay_sandbox

    settings.BOOTPAY_MODE = "sandbox"
    seen: dict[str, Any] = {}

    def drive(self: Any) -> None:  # instead of waiting for Ctrl-C: a deposit, as a developer makes one
        url = self.stdout._out.getvalue().split("listening on ", 1)[1].split()[0]
        issued = requests.post(
            f"{url}/_sandbox/receipts",
            json={"order_id": "ord_cmd", "price": 1_000, "state": "vbank_issued"},
            timeout=10,
        ).json()
        requests.post(f"{url}/_sandbox/receipts/{issued['receipt_id']}/deposit", timeout=10)
        seen["delivered"] = receiver.payloads(2)
        raise KeyboardInterrupt

    monkeypatch.setattr(bootpay_sandbox.Command, "wait", drive)
    out = StringIO()
    call_command("bootpay_sandbox", "--port", "0", "--webhook-url", receiver.url, stdout=out)

    assert [d["webhook_type"] for d in seen["delivered"]] == [
        "PAYMENT_VIRTUAL_ACCOUNT_ISSUED",
        "PAYMENT_COMPLETED",
    ]
    assert f"webhooks to: {receiver.url}" in out.getvalue()
    with pytest.raises(CommandError, match="webhook-url"):
        call_command("bootpay_sandbox", "--port", "0", "--webhook-url", "ftp://x", stdout=StringIO())
