"""Escrow shipping registration: the gateway against the emulator over HTTP, through the unmodified SDK,
and the emulator's own rules for `PUT /v2/escrow/shipping/start/{receipt_id}`."""

import pytest
import requests

from payments.gateway import GatewayError, GatewayUnavailable, Receipt
from payments.sandbox import SandboxError

SHIP = ("PUT", "escrow/shipping/start")


def receipt_id_of(sandbox, *, escrow=True, **options) -> str:
    return sandbox.state.create_receipt(order_id="ord_escrow", price=20_000, escrow=escrow, **options)[
        "receipt_id"
    ]


def start(gateway, receipt_id, **overrides) -> Receipt:
    values = {
        "receipt_id": receipt_id,
        "courier": "CJ대한통운",
        "tracking_number": "1234-5678",
        "buyer_name": "buyer",
        "seller_name": "shop",
    } | overrides
    return gateway.shipping_start(**values)


def test_an_escrow_receipt_carries_escrow_data_and_a_plain_one_null_escrow_status(sandbox, make_gateway):
    gateway = make_gateway()

    escrow = gateway.lookup_receipt(receipt_id_of(sandbox))
    plain = gateway.lookup_receipt(receipt_id_of(sandbox, escrow=False))

    assert escrow.escrow is True and escrow.escrow_shipping_started_at is None
    assert escrow.raw["escrow_data"] == {
        "status": "waiting_shipping",
        "status_locale": "배송대기",
        "shipping_started_at": None,
        "receipt_confirmed_at": None,
    }
    assert escrow.raw["escrow_status"] == "waiting_shipping"
    assert plain.escrow is False and "escrow_data" not in plain.raw
    assert plain.raw["escrow_status"] is None and plain.raw["escrow_status_locale"] is None


@pytest.mark.parametrize(
    ("payload", "escrow"),
    [
        ({}, False),
        ({"escrow_data": {}, "escrow_status": None}, False),
        ({"escrow_data": None, "escrow_status": ""}, False),
        ({"escrow_data": {"status": "x"}}, True),
        ({"escrow_status": "shipping"}, True),
    ],
)
def test_receipt_escrow_is_escrow_data_or_escrow_status(payload, escrow):
    receipt = Receipt.from_payload({"receipt_id": "r1", "status": 1, **payload})

    assert receipt.escrow is escrow


def test_shipping_start_puts_the_sdk_body_and_answers_the_receipt(sandbox, make_gateway):
    receipt_id = receipt_id_of(sandbox)

    receipt = start(make_gateway(), receipt_id)

    assert receipt.receipt_id == receipt_id and receipt.escrow is True
    assert receipt.escrow_shipping_started_at is not None
    assert receipt.raw["escrow_data"]["status_locale"] == "배송중"
    assert receipt.raw["escrow_status_locale"] == "배송중"
    sent = [entry for entry in sandbox.state.requests if entry["template"] == "escrow/shipping/start"][-1]
    assert (sent["method"], sent["path"], sent["auth"]) == (
        "PUT",
        f"escrow/shipping/start/{receipt_id}",
        "Bearer",
    )
    # Everything the SDK sends, nulls included: the emulator accepts the SDK's body exactly.
    assert sent["body"] == {
        "tracking_number": "1234-5678",
        "delivery_corp": "CJ대한통운",
        "shipping_prepayment": None,
        "shipping_day": None,
        "user": {"username": "buyer"},
        "company": {"name": "shop"},
        "redirect_url": None,
        "receipt_url": None,
    }
    assert sandbox.state.call_count(*SHIP) == 1


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda sandbox: receipt_id_of(sandbox, escrow=False), "RC_NOT_ESCROW"),
        (lambda sandbox: "ffffffffffffffffffffffff", "RC_NOT_FOUND"),
        (lambda sandbox: receipt_id_of(sandbox, state="awaiting_confirm"), "RC_ESCROW_NOT_PAID"),
    ],
    ids=["not-escrow", "unknown", "not-paid"],
)
def test_refusals_are_definite_gateway_errors(sandbox, make_gateway, make, code):
    with pytest.raises(GatewayError) as error:
        start(make_gateway(), make(sandbox))

    assert error.value.code == code


def test_a_cancelled_payment_and_a_second_registration_are_refused(sandbox, make_gateway):
    gateway = make_gateway()
    cancelled = receipt_id_of(sandbox)
    sandbox.state.cancel(cancelled, cancel_id="c1")
    shipped = receipt_id_of(sandbox)
    start(gateway, shipped)

    with pytest.raises(GatewayError) as not_paid:
        start(gateway, cancelled)
    with pytest.raises(GatewayError) as again:
        start(gateway, shipped, tracking_number="999")

    assert not_paid.value.code == "RC_ESCROW_NOT_PAID"
    assert again.value.code == "RC_ESCROW_ALREADY_STARTED"
    assert sandbox.state.shipment(shipped)["tracking_number"] == "1234-5678"  # the first one stays


def test_the_receipt_id_is_checked_before_the_sdk_builds_its_path(sandbox, make_gateway):
    with pytest.raises(GatewayError) as error:
        start(make_gateway(), "../cancel")

    assert error.value.code == "INVALID_RECEIPT_ID"
    assert sandbox.state.call_count(*SHIP) == 0


@pytest.mark.parametrize(
    "fault",
    [{"mode": "status_500"}, {"mode": "html_502"}, {"mode": "hang", "latency_s": 3}, {"mode": "lost_answer"}],
    ids=lambda fault: fault["mode"],
)
def test_faults_are_unknown_outcomes(sandbox, make_gateway, fault):
    receipt_id = receipt_id_of(sandbox)
    sandbox.state.add_fault(path="escrow/shipping/start", times=1, **fault)

    with pytest.raises(GatewayUnavailable):
        start(make_gateway(timeout_s=1.0), receipt_id)

    applied = sandbox.state.get_receipt(receipt_id)["escrow_data"]["shipping_started_at"] is not None
    assert applied == (fault["mode"] == "lost_answer")


@pytest.mark.parametrize(
    "body",
    [
        {"delivery_corp": "CJ"},
        {"tracking_number": "1"},
        {"tracking_number": "", "delivery_corp": "CJ"},
        {"tracking_number": "1", "delivery_corp": "CJ", "colour": "red"},
        {"tracking_number": "1", "delivery_corp": "CJ", "user": "buyer"},
    ],
)
def test_the_emulator_refuses_a_body_without_tracking_or_courier(sandbox, body):
    receipt_id = receipt_id_of(sandbox)

    with pytest.raises(SandboxError) as error:
        sandbox.state.shipping_start(receipt_id, **body)

    assert (error.value.status, error.value.error_code) == (400, "INVALID_PARAMETER")
    assert sandbox.state.get_receipt(receipt_id)["escrow_data"]["shipping_started_at"] is None


def test_the_control_api_creates_an_escrow_receipt(sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/receipts",
        json={"order_id": "ord_x", "price": 1_000, "escrow": True},
        timeout=5,
    )
    refused = requests.post(
        f"{sandbox.url}/_sandbox/receipts",
        json={"order_id": "ord_x", "price": 1_000, "escrow": "yes"},
        timeout=5,
    )

    assert response.status_code == 201 and response.json()["escrow_data"]["status"] == "waiting_shipping"
    assert refused.status_code == 400 and refused.json()["error_code"] == "INVALID_PARAMETER"
    detail = requests.get(f"{sandbox.url}/_sandbox/receipts/{response.json()['receipt_id']}", timeout=5)
    assert detail.json()["_shipment"] is None


@pytest.mark.parametrize("answer", [{"success": True}, {}, {"receipt_id": "r1"}])
def test_a_success_answer_that_is_no_receipt_means_registered(sandbox, make_gateway, monkeypatch, answer):
    # Bootpay's success body for this call is unconfirmed: any answer that is no refusal registered it.
    gateway = make_gateway()
    monkeypatch.setattr(type(gateway), "_call", lambda self, operation, action, **kwargs: answer)

    assert start(gateway, receipt_id_of(sandbox)) is None
