"""The emulator's cash receipts (현금영수증), on a payment and stand-alone (별건), driven through the real
gateway and the unmodified SDK, plus raw HTTP where the wire itself is the point (the `null` answer,
error bodies, the request log)."""

import base64
import json

import pytest
import requests

from payments.cash_receipts.identifiers import identifier_clean
from payments.gateway import GatewayError, GatewayUnavailable
from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY
from payments.sandbox.routes import path_template

PHONE = "010-1234-5678"
DIGITS = PHONE.replace("-", "")
BASIC = {
    "Authorization": "Basic "
    + base64.b64encode(f"{SANDBOX_CLIENT_KEY}:{SANDBOX_SECRET_KEY}".encode()).decode()
}


def paid(sandbox, method="vbank", price=30_000, tax_free=0, order_id="ord_cr", **options) -> str:
    receipt = sandbox.state.create_receipt(
        order_id=order_id, price=price, tax_free=tax_free, method=method, **options
    )
    return receipt["receipt_id"]


def publish(gateway, receipt_id, kind="income_deduction", identifier=PHONE):
    return gateway.cash_receipt_publish(
        receipt_id=receipt_id, kind=kind, identifier=identifier, buyer_name="홍길동"
    )


def issue(
    gateway, order_id="ord_cr-cr1", price=20_000, tax_free=0, kind="income_deduction", identifier=PHONE
):
    return gateway.cash_receipt_issue(
        order_id=order_id,
        order_name="재발행",
        kind=kind,
        identifier=identifier,
        price=price,
        tax_free=tax_free,
        purchased_at=None,
    )


def v2(sandbox, method, path, **kwargs) -> requests.Response:
    return requests.request(method, f"{sandbox.api_url}/{path}", headers=BASIC, timeout=5, **kwargs)


def publish_body(receipt_id, **changes):
    return {
        "receipt_id": receipt_id,
        "username": "홍길동",
        "email": "",
        "phone": "",
        "identity_no": PHONE,
        "cash_receipt_type": "소득공제",
        "currency": None,
    } | changes


def issue_body(**changes):
    return {
        "pg": None,
        "order_id": "ord_raw-cr1",
        "order_name": "재발행",
        "identity_no": PHONE,
        "purchased_at": "",
        "cash_receipt_type": "지출증빙",
        "price": 10_000,
        "tax_free": 0,
        "user": None,
        "metadata": None,
        "extra": {},
    } | changes


def no_identifier(text: str) -> bool:
    return DIGITS not in text and PHONE not in text


# --- on a payment receipt ---------------------------------------------------------------------------


def test_a_paid_vbank_payment_gets_its_cash_receipt_for_what_it_holds(sandbox, make_gateway):
    receipt_id = paid(sandbox, "vbank", price=30_000, tax_free=5_000)
    gateway = make_gateway()

    result = publish(gateway, receipt_id)

    assert (result.receipt_id, result.price, result.tax_free) == (receipt_id, 30_000, 5_000)
    assert len(result.approval_no) == 9 and result.approval_no.isdigit()
    assert result.receipt_url
    receipt = sandbox.state.get_receipt(
        receipt_id
    )  # the emulator's own answer (the gateway drops the number)
    assert "cash_receipt_no" not in str(gateway.lookup_receipt(receipt_id).raw)
    data = receipt["cash_receipt_data"]
    assert data["tid"] == result.approval_no and data["cash_receipt_type"] == 1
    assert data["cash_receipt_no"] == "*******5678"
    vbank = receipt["vbank_data"]
    assert (vbank["cash_receipt_tid"], vbank["cash_receipt_type"], vbank["cash_receipt_no"]) == (
        result.approval_no,
        1,
        "*******5678",
    )
    [listed] = sandbox.state.list_cash_receipts(order_id="ord_cr")
    assert (listed["kind"], listed["price"], listed["tax_free"], listed["status"]) == (
        "on_receipt",
        30_000,
        5_000,
        "live",
    )


@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
def test_a_partly_refunded_bank_payment_issues_for_the_remainder(sandbox, make_gateway):
    receipt_id = paid(sandbox, "bank", price=30_000, tax_free=6_000)
    sandbox.state.cancel(receipt_id, cancel_price=10_000, cancel_tax_free=1_000)

    result = publish(make_gateway(), receipt_id, kind="expense_proof", identifier="123-45-67890")

    # The answer is the payment's receipt (Bootpay's shape); the gateway reads the amount issued off it
    # as what the payment holds now, the amount the control listing shows.
    assert (result.price, result.tax_free) == (20_000, 5_000)
    [listed] = sandbox.state.list_cash_receipts(receipt_id=receipt_id)
    assert (listed["price"], listed["tax_free"]) == (20_000, 5_000)
    receipt = sandbox.state.get_receipt(receipt_id)
    assert (receipt["price"], receipt["cancelled_price"]) == (30_000, 10_000)  # untouched by the publish
    assert receipt["cash_receipt_data"]["cash_receipt_type"] == 2
    assert receipt["bank_data"]["cash_receipt_no"] == "******7890"


def test_cash_like_receipts_carry_empty_cash_receipt_fields_until_one_is_issued(sandbox, make_gateway):
    gateway = make_gateway()
    for method, key in (("vbank", "vbank_data"), ("bank", "bank_data")):
        receipt_id = paid(sandbox, method)
        assert "cash_receipt_data" not in gateway.lookup_receipt(receipt_id).raw
        raw = sandbox.state.get_receipt(
            receipt_id
        )  # the emulator's own answer (the gateway drops the number)
        assert "cash_receipt_data" not in raw
        assert {raw[key][f] for f in ("cash_receipt_tid", "cash_receipt_type", "cash_receipt_no")} == {None}
    issued = sandbox.state.create_receipt(order_id="ord_cr", price=1_000, state="vbank_issued")
    assert issued["vbank_data"]["cash_receipt_tid"] is None and "cash_receipt_data" not in issued


def test_publishing_twice_is_refused(sandbox, make_gateway):
    receipt_id = paid(sandbox)
    gateway = make_gateway()
    publish(gateway, receipt_id)

    with pytest.raises(GatewayError) as refused:
        publish(gateway, receipt_id)

    assert refused.value.code == "RC_CASH_RECEIPT_ALREADY_PUBLISHED"
    assert len(sandbox.state.list_cash_receipts(receipt_id=receipt_id)) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"method": "card"},
        {"method": "phone"},
        {"method": "vbank", "state": "vbank_issued"},  # no money deposited yet
        {"method": "bank", "state": "failed"},
    ],
)
def test_a_payment_that_cannot_have_one_is_refused(sandbox, make_gateway, options):
    receipt_id = paid(sandbox, **options)

    with pytest.raises(GatewayError) as refused:
        publish(make_gateway(), receipt_id)

    assert refused.value.code == "RC_CASH_RECEIPT_FAILED"
    assert no_identifier(json.dumps(refused.value.payload, ensure_ascii=False))
    assert sandbox.state.list_cash_receipts() == []


def test_a_fully_refunded_payment_cannot_have_one(sandbox, make_gateway):
    receipt_id = paid(sandbox, "bank")
    sandbox.state.cancel(receipt_id)

    with pytest.raises(GatewayError) as refused:
        publish(make_gateway(), receipt_id)
    assert refused.value.code == "RC_CASH_RECEIPT_FAILED"


@pytest.mark.parametrize(
    "changes",
    [
        {"identity_no": "123456789"},  # 9 digits
        {"identity_no": "1" * 12},  # between a phone's and a card's lengths
        {"identity_no": "1" * 20},  # a card number is at most 19 digits
        {"identity_no": "010-1234-567a"},
        {"identity_no": None},
        {"cash_receipt_type": "income_deduction"},
        {"cash_receipt_type": None},
        {"currency": "USD"},
    ],
)
def test_a_bad_publish_body_is_refused(sandbox, changes):
    receipt_id = paid(sandbox)

    answer = v2(sandbox, "POST", "request/receipt/cash/publish", json=publish_body(receipt_id, **changes))

    assert (answer.status_code, answer.json()["error_code"]) == (400, "RC_CASH_RECEIPT_FAILED")
    assert "cash_receipt_data" not in sandbox.state.get_receipt(receipt_id)


@pytest.mark.parametrize(
    ("kind", "identifier"),
    [
        ("income_deduction", "010-123-4567"),  # a 10-digit phone
        ("income_deduction", PHONE),  # 11 digits
        ("income_deduction", "1" * 13),  # the shortest card number
        ("income_deduction", "1234-5678-9012-3456-789"),  # the longest: 19 digits
        ("expense_proof", "220-81-62517"),  # a business registration number (Naver's), 10 digits
    ],
)
def test_every_identifier_the_backend_accepts_is_issued(sandbox, make_gateway, kind, identifier):
    """The emulator takes what `identifier_clean` lets through, at the ends of each length range."""
    digits = identifier_clean(type=kind, identifier=identifier)
    gateway = make_gateway()

    publish(gateway, paid(sandbox), kind=kind, identifier=digits)
    issue(gateway, kind=kind, identifier=digits)

    issued = sandbox.state.list_cash_receipts()
    assert len(issued) == 2 and all(r["identifier_last4"] == digits[-4:] for r in issued), issued


def test_publish_on_an_unknown_receipt_is_not_found(sandbox):
    answer = v2(sandbox, "POST", "request/receipt/cash/publish", json=publish_body("0" * 24))
    assert (answer.status_code, answer.json()["error_code"]) == (404, "RC_NOT_FOUND")


def test_cancel_on_receipt_answers_null_and_keeps_a_cancelled_marker(sandbox, make_gateway):
    receipt_id = paid(sandbox)
    gateway = make_gateway()
    tid = publish(gateway, receipt_id).approval_no

    answer = v2(
        sandbox, "DELETE", f"request/receipt/cash/cancel/{receipt_id}", params={"cancel_username": "system"}
    )

    assert (answer.status_code, answer.text) == (200, "null")
    data = sandbox.state.get_receipt(receipt_id)["cash_receipt_data"]
    assert data["tid"] == tid and data["cancelled_at"]
    [listed] = sandbox.state.list_cash_receipts(receipt_id=receipt_id)
    assert (listed["status"], listed["cancelled_at"]) == ("cancelled", data["cancelled_at"])
    # none live now: a second cancel is refused; a new publish is allowed
    with pytest.raises(GatewayError) as refused:
        gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="again")
    assert refused.value.code == "RC_CASH_RECEIPT_NOT_FOUND"
    again = publish(gateway, receipt_id)
    assert again.approval_no != tid
    assert "cancelled_at" not in sandbox.state.get_receipt(receipt_id)["cash_receipt_data"]


def test_the_gateway_cancel_on_receipt_returns_none(sandbox, make_gateway):
    receipt_id = paid(sandbox)
    gateway = make_gateway()
    publish(gateway, receipt_id)

    assert gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="환불") is None
    assert [r["status"] for r in sandbox.state.list_cash_receipts(receipt_id=receipt_id)] == ["cancelled"]


def test_cancel_on_receipt_never_issued_or_unknown(sandbox, make_gateway):
    gateway = make_gateway()
    with pytest.raises(GatewayError) as never:
        gateway.cash_receipt_cancel_on_payment(receipt_id=paid(sandbox), reason="x")
    assert never.value.code == "RC_CASH_RECEIPT_NOT_FOUND"
    with pytest.raises(GatewayError) as unknown:
        gateway.cash_receipt_cancel_on_payment(receipt_id="0" * 24, reason="x")
    assert unknown.value.code == "RC_NOT_FOUND"


# --- stand-alone (별건) ------------------------------------------------------------------------------


def test_a_standalone_receipt_is_a_receipt_of_its_own(sandbox, make_gateway):
    gateway = make_gateway()

    result = issue(gateway, order_id="ord_cr-cr1", price=20_000, tax_free=2_000, kind="expense_proof")

    receipt = sandbox.state.get_receipt(result.receipt_id)
    assert len(receipt["receipt_id"]) == 24 and int(receipt["receipt_id"], 16) >= 0
    assert (receipt["order_id"], receipt["order_name"], receipt["price"], receipt["tax_free"]) == (
        "ord_cr-cr1",
        "재발행",
        20_000,
        2_000,
    )
    assert (receipt["cancelled_price"], receipt["status"], receipt["status_locale"]) == (0, 1, "결제완료")
    assert (receipt["method_symbol"], receipt["sandbox"], receipt["currency"]) == (
        "cash_receipt",
        True,
        "KRW",
    )
    assert receipt["requested_at"].endswith("+09:00") and receipt["purchased_at"].endswith("+09:00")
    data = receipt["cash_receipt_data"]
    assert (data["tid"], data["cash_receipt_type"], data["cash_receipt_no"]) == (
        result.approval_no,
        2,
        "*******5678",
    )
    assert (result.price, result.tax_free) == (20_000, 2_000) and result.issued_at is not None
    assert gateway.lookup_receipt(result.receipt_id).raw["cash_receipt_data"]["tid"] == result.approval_no


def test_purchased_at_is_shown_in_kst(sandbox):
    answer = v2(
        sandbox, "POST", "request/cash/receipt", json=issue_body(purchased_at="2025-03-01T01:02:03+00:00")
    )
    assert answer.json()["purchased_at"] == "2025-03-01T10:02:03+09:00"
    naive = v2(
        sandbox,
        "POST",
        "request/cash/receipt",
        json=issue_body(order_id="o2", purchased_at="2025-03-01T10:00:00"),
    )
    assert naive.json()["purchased_at"] == "2025-03-01T10:00:00+09:00"
    bad = v2(
        sandbox, "POST", "request/cash/receipt", json=issue_body(order_id="o3", purchased_at="yesterday")
    )
    assert bad.json()["error_code"] == "RC_CASH_RECEIPT_FAILED"


def test_the_same_order_id_while_live_answers_the_same_receipt(sandbox, make_gateway):
    gateway = make_gateway()
    first = issue(gateway)

    again = issue(gateway)

    assert again.receipt_id == first.receipt_id and again.approval_no == first.approval_no
    assert len(sandbox.state.list_cash_receipts(order_id="ord_cr")) == 1
    for changes in (
        {"price": 19_000},
        {"kind": "expense_proof"},
        {"tax_free": 1},
        {"identifier": "01099998888"},
    ):
        with pytest.raises(GatewayError) as refused:
            issue(gateway, **changes)
        assert refused.value.code == "RC_CASH_RECEIPT_FAILED"
    # cancelled, the order_id issues a new one
    gateway.cash_receipt_cancel(receipt_id=first.receipt_id, reason="x")
    assert issue(gateway).receipt_id != first.receipt_id


def test_cancel_a_standalone_receipt_then_again(sandbox, make_gateway):
    gateway = make_gateway()
    result = issue(gateway, price=12_000, tax_free=2_000)

    answer = v2(
        sandbox, "DELETE", f"request/cash/receipt/{result.receipt_id}", params={"cancel_message": "환불"}
    )

    cancelled = answer.json()
    assert answer.status_code == 200
    assert (cancelled["status"], cancelled["cancelled_price"], cancelled["cancelled_tax_free"]) == (
        20,
        12_000,
        2_000,
    )
    assert (
        cancelled["cancelled_at"]
        and cancelled["cash_receipt_data"]["cancelled_at"] == cancelled["cancelled_at"]
    )
    with pytest.raises(GatewayError) as again:
        gateway.cash_receipt_cancel(receipt_id=result.receipt_id, reason="again")
    assert again.value.code == "RC_ALREADY_CANCELLED"


def test_the_gateway_cancel_of_a_standalone_receipt_returns_none(sandbox, make_gateway):
    gateway = make_gateway()
    result = issue(gateway)

    assert gateway.cash_receipt_cancel(receipt_id=result.receipt_id, reason="환불") is None
    assert sandbox.state.get_receipt(result.receipt_id)["status"] == 20


def test_cancel_of_an_unknown_or_a_payment_receipt(sandbox, make_gateway):
    gateway = make_gateway()
    with pytest.raises(GatewayError) as unknown:
        gateway.cash_receipt_cancel(receipt_id="f" * 24, reason="x")
    assert unknown.value.code == "RC_NOT_FOUND"
    payment = paid(sandbox)
    with pytest.raises(GatewayError) as not_standalone:
        gateway.cash_receipt_cancel(receipt_id=payment, reason="x")
    assert not_standalone.value.code == "RC_CASH_RECEIPT_NOT_FOUND"
    assert sandbox.state.get_receipt(payment)["status"] == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"price": 0},
        {"price": -1},
        {"price": "1000"},
        {"price": 1000.5},
        {"tax_free": 10_001},
        {"tax_free": -1},
        {"order_id": ""},
        {"order_id": None},
        {"identity_no": "12345"},
        {"cash_receipt_type": "현금"},
    ],
)
def test_a_bad_standalone_body_is_refused(sandbox, changes):
    answer = v2(sandbox, "POST", "request/cash/receipt", json=issue_body(**changes))

    assert (answer.status_code, answer.json()["error_code"]) == (400, "RC_CASH_RECEIPT_FAILED")
    assert sandbox.state.list_cash_receipts() == []


# --- faults -------------------------------------------------------------------------------------------


def test_the_new_paths_have_their_own_templates():
    assert path_template("request/receipt/cash/publish") == "request/receipt/cash/publish"
    assert path_template("request/receipt/cash/cancel/" + "a" * 24) == "request/receipt/cash/cancel"
    assert path_template("request/cash/receipt") == "request/cash/receipt"
    assert path_template("request/cash/receipt/" + "a" * 24) == "request/cash/receipt"


def test_calls_are_counted_by_template(sandbox, make_gateway):
    gateway = make_gateway()
    receipt_id = paid(sandbox)
    publish(gateway, receipt_id)
    gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="x")
    gateway.cash_receipt_cancel(receipt_id=issue(gateway).receipt_id, reason="x")

    calls = sandbox.state.calls()
    for key in (
        "POST request/receipt/cash/publish",
        "DELETE request/receipt/cash/cancel",
        "POST request/cash/receipt",
        "DELETE request/cash/receipt",
    ):
        assert calls[key] == 1, key


FAULTS = [
    ({"mode": "status_500"}, GatewayUnavailable),
    ({"mode": "html_502"}, GatewayUnavailable),
    ({"mode": "malformed"}, GatewayUnavailable),
    ({"mode": "reset"}, GatewayUnavailable),
    ({"mode": "hang", "latency_s": 3}, GatewayUnavailable),
    ({"mode": "error_code", "error_code": "RC_CASH_RECEIPT_FAILED"}, GatewayError),
]


@pytest.mark.parametrize(("fault", "raised"), FAULTS, ids=[f["mode"] for f, _ in FAULTS])
def test_a_faulted_call_changes_nothing(sandbox, make_gateway, fault, raised):
    gateway = make_gateway(timeout_s=1.0)
    receipt_id = paid(sandbox)
    live = paid(sandbox, order_id="ord_live")
    publish(gateway, live)
    standalone = issue(gateway, order_id="ord_live-cr1")
    before = sandbox.state.list_cash_receipts()
    calls = [
        ("request/receipt/cash/publish", lambda: publish(gateway, receipt_id)),
        (
            "request/receipt/cash/cancel",
            lambda: gateway.cash_receipt_cancel_on_payment(receipt_id=live, reason="x"),
        ),
        ("request/cash/receipt", lambda: issue(gateway, order_id="ord_cr-cr9")),
        (
            "request/cash/receipt",
            lambda: gateway.cash_receipt_cancel(receipt_id=standalone.receipt_id, reason="x"),
        ),
    ]
    for path, call in calls:
        sandbox.state.add_fault(path=path, times=1, **fault)
        with pytest.raises(raised):
            call()
    assert sandbox.state.list_cash_receipts() == before
    assert sandbox.state.faults() == []


def test_a_fault_on_the_publish_path_leaves_the_cancel_path_alone(sandbox, make_gateway):
    gateway = make_gateway()
    receipt_id = paid(sandbox)
    publish(gateway, receipt_id)
    sandbox.state.add_fault(path="request/receipt/cash/publish", mode="status_500")

    assert gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="x") is None
    assert gateway.cash_receipt_cancel(receipt_id=issue(gateway).receipt_id, reason="x") is None


def test_latency_delays_but_applies(sandbox, make_gateway):
    receipt_id = paid(sandbox)
    sandbox.state.add_fault(path="request/receipt/cash/publish", mode="latency", latency_s=0.2, times=1)

    assert publish(make_gateway(), receipt_id).price == 30_000


def test_lost_answers_were_applied(sandbox, make_gateway):
    gateway = make_gateway()
    receipt_id = paid(sandbox)
    gateway.lookup_receipt(receipt_id)  # the token first: a lost token answer is another story
    sandbox.state.add_fault(path="request/", mode="lost_answer")

    with pytest.raises(GatewayUnavailable):
        publish(gateway, receipt_id)
    with pytest.raises(GatewayUnavailable):
        issue(gateway)
    [on_receipt, standalone] = sandbox.state.list_cash_receipts(order_id="ord_cr")
    assert (on_receipt["kind"], on_receipt["status"]) == ("on_receipt", "live")
    assert (standalone["kind"], standalone["status"]) == ("standalone", "live")

    with pytest.raises(GatewayUnavailable):
        gateway.cash_receipt_cancel_on_payment(receipt_id=receipt_id, reason="x")
    with pytest.raises(GatewayUnavailable):
        gateway.cash_receipt_cancel(receipt_id=standalone["receipt_id"], reason="x")
    sandbox.state.clear_faults()

    assert [r["status"] for r in sandbox.state.list_cash_receipts(order_id="ord_cr")] == ["cancelled"] * 2
    # how a caller settles it: the payment's lookup shows the cancelled marker; the retried cancel is refused
    assert gateway.lookup_receipt(receipt_id).raw["cash_receipt_data"]["cancelled_at"]
    with pytest.raises(GatewayError) as again:
        gateway.cash_receipt_cancel(receipt_id=standalone["receipt_id"], reason="retry")
    assert again.value.code == "RC_ALREADY_CANCELLED"


def test_a_lost_issue_answer_is_recovered_by_retrying_the_same_order_id(sandbox, make_gateway):
    gateway = make_gateway()
    gateway.lookup_receipt(paid(sandbox))
    sandbox.state.add_fault(path="request/cash/receipt", mode="lost_answer", times=1)
    with pytest.raises(GatewayUnavailable):
        issue(gateway)

    retried = issue(gateway)

    [held] = sandbox.state.list_cash_receipts(order_id="ord_cr")
    assert held["receipt_id"] == retried.receipt_id and held["tid"] == retried.approval_no


# --- the identifier --------------------------------------------------------------------------------


def test_the_identifier_never_appears_in_full(sandbox, make_gateway):
    gateway = make_gateway()
    receipt_id = paid(sandbox, "bank")
    texts = []
    results = [publish(gateway, receipt_id), issue(gateway)]
    texts += [json.dumps(r.raw, ensure_ascii=False) for r in results]
    texts.append(v2(sandbox, "POST", "request/receipt/cash/publish", json=publish_body(receipt_id)).text)
    texts.append(v2(sandbox, "POST", "request/cash/receipt", json=issue_body()).text)
    texts.append(v2(sandbox, "POST", "request/cash/receipt", json=issue_body(identity_no="1234")).text)
    texts.append(v2(sandbox, "GET", f"receipt/{receipt_id}").text)
    texts.append(v2(sandbox, "GET", f"receipt/{results[1].receipt_id}").text)
    texts.append(v2(sandbox, "DELETE", f"request/cash/receipt/{results[1].receipt_id}").text)
    texts.append(v2(sandbox, "DELETE", f"request/receipt/cash/cancel/{receipt_id}").text)
    for control in ("requests", "cash-receipts", "receipts", f"receipts/{receipt_id}", "calls"):
        texts.append(requests.get(f"{sandbox.url}/_sandbox/{control}", timeout=5).text)

    for text in texts:
        assert no_identifier(text), text
    logged = [
        e
        for e in sandbox.state.requests
        if e["template"] in ("request/cash/receipt", "request/receipt/cash/publish")
    ]
    assert logged and all(e["body"]["identity_no"] == "***" for e in logged if e["method"] == "POST")
    for result in results:
        assert "cash_receipt_no" not in result.raw["cash_receipt_data"]


# --- the control listing ---------------------------------------------------------------------------


@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
def test_the_control_listing_links_standalone_receipts_by_order_id(sandbox, make_gateway):
    gateway = make_gateway()
    first = paid(sandbox, "bank", price=30_000, order_id="ord_a")
    other = paid(sandbox, "bank", price=9_000, order_id="ord_ab")
    publish(gateway, first)
    publish(gateway, other)
    sandbox.state.cancel(first, cancel_price=10_000)  # a partial refund: cancel and re-issue for the rest
    gateway.cash_receipt_cancel_on_payment(receipt_id=first, reason="부분환불")
    reissued = issue(gateway, order_id="ord_a-cr1", price=20_000)
    issue(gateway, order_id="ord_ab-cr1", price=1_000)  # another order whose id merely starts alike

    listed = requests.get(
        f"{sandbox.url}/_sandbox/cash-receipts", params={"order_id": "ord_a"}, timeout=5
    ).json()

    assert [(r["kind"], r["status"], r["price"]) for r in listed] == [
        ("on_receipt", "cancelled", 30_000),
        ("standalone", "live", 20_000),
    ]
    on_receipt, standalone = listed
    assert set(on_receipt) == {
        "receipt_id",
        "kind",
        "payment_receipt_id",
        "order_id",
        "price",
        "tax_free",
        "cash_receipt_type",
        "identifier_last4",
        "status",
        "issued_at",
        "cancelled_at",
        "tid",
    }
    assert (on_receipt["receipt_id"], on_receipt["payment_receipt_id"]) == (first, first)
    assert (standalone["receipt_id"], standalone["payment_receipt_id"]) == (reissued.receipt_id, None)
    assert (standalone["identifier_last4"], standalone["cash_receipt_type"]) == ("5678", 1)
    receipt = sandbox.state.get_receipt(first)
    assert (
        sum(r["price"] for r in listed if r["status"] == "live")
        == receipt["price"] - receipt["cancelled_price"]
    )
    by_payment = requests.get(
        f"{sandbox.url}/_sandbox/cash-receipts", params={"receipt_id": first}, timeout=5
    )
    assert by_payment.json() == listed
    assert len(requests.get(f"{sandbox.url}/_sandbox/cash-receipts", timeout=5).json()) == 4
    unknown = requests.get(
        f"{sandbox.url}/_sandbox/cash-receipts", params={"receipt_id": "0" * 24}, timeout=5
    )
    assert unknown.status_code == 404


def test_reset_forgets_the_cash_receipts(sandbox, make_gateway):
    gateway = make_gateway()
    publish(gateway, paid(sandbox))
    standalone = issue(gateway)

    assert requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5).json() == {"ok": True}

    assert sandbox.state.list_cash_receipts() == []
    assert v2(sandbox, "GET", f"receipt/{standalone.receipt_id}").status_code == 404
