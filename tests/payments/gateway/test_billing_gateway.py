"""The gateway's billing-key calls against the sandbox emulator over real HTTP, through the unmodified SDK.

What the SDK puts on the wire is read back from the emulator's request log; every failure mode becomes a
typed exception; a billing key never shows up in a log record, an exception, a result's `raw` or `repr`.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from payments.gateway import (
    BillingKeyInfo,
    GatewayError,
    GatewayUnavailable,
    Receipt,
    Reservation,
    ReservationStatus,
)
from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY
from tests.payments.faults import UNKNOWN_OUTCOME_FAULTS

SUBSCRIPTION_ID = "bkr_0123456789abcdef01234567"


def issue(sandbox, subscription_id: str = SUBSCRIPTION_ID, **options) -> dict:
    """What the buyer's requestSubscription produces (the control view: it includes the key)."""
    return sandbox.state.issue_billing_key(subscription_id, **options)


def in_days(days: float = 30) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def charge(gateway, billing_key: str, *, order_id: str = "ord_sub_1", price: int = 9_900, **options):
    return gateway.charge_billing_key(
        billing_key=billing_key,
        order_id=order_id,
        order_name="월간 구독",
        price=price,
        tax_free=options.pop("tax_free", 0),
        **options,
    )


def reserve(gateway, billing_key: str, *, order_id: str = "ord_sub_2", execute_at: datetime | None = None):
    return gateway.reserve_charge(
        billing_key=billing_key,
        order_id=order_id,
        order_name="월간 구독",
        price=9_900,
        tax_free=0,
        execute_at=execute_at or in_days(),
    )


def sent(sandbox, method: str, template: str) -> dict:
    """The last request the SDK sent to ``METHOD template``, as the emulator recorded it."""
    matching = [
        entry
        for entry in sandbox.state.requests
        if (entry["method"], entry["template"]) == (method, template)
    ]
    assert matching, f"no {method} {template} request"
    return matching[-1]


# --- Lookups ----------------------------------------------------------------------------------------


def test_the_issuance_receipt_gives_a_typed_billing_key(sandbox, make_gateway):
    issued = issue(sandbox)

    info = make_gateway().billing_key_for_receipt(issued["receipt_id"])

    assert isinstance(info, BillingKeyInfo)
    assert info.billing_key == issued["billing_key"]
    assert (info.receipt_id, info.subscription_id, info.status) == (issued["receipt_id"], SUBSCRIPTION_ID, 11)
    assert info.issued
    assert (info.card_company, info.card_number_masked) == ("신한", "51234567****1234")
    assert info.expires_at is not None and info.expires_at.utcoffset() == timedelta(hours=9)
    assert "billing_key" not in info.raw and info.raw["billing_data"]["card_no"] == "51234567****1234"
    request = sent(sandbox, "GET", "subscribe/billing_key")
    assert request["path"] == f"subscribe/billing_key/{issued['receipt_id']}"
    assert request["body"] is None and request["auth"] == "Bearer"


def test_a_key_is_looked_up_by_itself(sandbox, make_gateway):
    issued = issue(sandbox, card_company="국민", card_number="9410-1234-5678-9012")

    info = make_gateway().billing_key_lookup(issued["billing_key"])

    assert (info.billing_key, info.receipt_id) == (issued["billing_key"], issued["receipt_id"])
    assert (info.card_company, info.card_number_masked) == ("국민", "94101234****9012")
    assert sent(sandbox, "GET", "billing_key")["path"] == f"billing_key/{issued['billing_key']}"


def test_a_normal_payment_receipt_is_not_a_billing_key(sandbox, make_gateway):
    receipt_id = sandbox.state.create_receipt(order_id="ord_plain", price=5_000)["receipt_id"]
    gateway = make_gateway()

    with pytest.raises(GatewayError) as error:
        gateway.billing_key_for_receipt(receipt_id)
    assert error.value.code == "RC_NOT_SUBSCRIBE"

    with pytest.raises(GatewayError) as error:
        gateway.billing_key_for_receipt("f" * 24)
    assert error.value.code == "RC_NOT_FOUND"


def test_the_issuance_receipt_itself_is_a_status_11_receipt(sandbox, make_gateway):
    issued = issue(sandbox)

    receipt = make_gateway().lookup_receipt(issued["receipt_id"])

    assert (receipt.status, receipt.status_locale, receipt.price) == (11, "빌링키발급완료", 0)
    assert receipt.order_id == SUBSCRIPTION_ID and "billing_key" not in receipt.raw


# --- Charges ----------------------------------------------------------------------------------------


def test_a_charge_is_a_normal_receipt_that_lookup_and_cancel_handle(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()

    receipt = charge(gateway, key, order_id="ord_sub_1", price=12_000, tax_free=2_000)

    assert isinstance(receipt, Receipt)
    assert (receipt.status, receipt.order_id, receipt.price, receipt.tax_free) == (
        1,
        "ord_sub_1",
        12_000,
        2_000,
    )
    assert receipt.method_symbol == "card_rebill_rest" and receipt.purchased_at is not None
    assert receipt.raw["card_data"]["card_no"] == "51234567****1234"
    assert gateway.lookup_receipt(receipt.receipt_id).status == 1
    refunded = gateway.cancel(
        receipt_id=receipt.receipt_id, cancel_id="cx-sub-1", reason="refund", amount=5_000
    )
    assert (refunded.status, refunded.cancelled_price) == (20, 5_000)
    assert (
        gateway.cancel(receipt_id=receipt.receipt_id, cancel_id="cx-sub-2", reason="rest").remaining_price
        == 0
    )


def test_the_charge_sends_what_the_sdk_sends(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    buyer = {"username": "홍길동", "email": "buyer@example.com", "phone": "01000000000"}

    charge(make_gateway(), key, order_id="ord_sub_wire", price=9_900, buyer=buyer)

    request = sent(sandbox, "POST", "subscribe/payment")
    assert request["path"] == "subscribe/payment" and request["auth"] == "Bearer"
    assert request["body"] == {
        "billing_key": key,
        "order_name": "월간 구독",
        "price": 9_900,
        "tax_free": 0,
        "card_quota": "00",
        "card_interest": None,
        "order_id": "ord_sub_wire",
        "items": None,
        "user": buyer,
        "extra": None,
        "feedback_url": None,
        "content_type": None,
        "metadata": None,
    }


def test_a_declining_card_is_a_definite_refusal_and_no_receipt(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()
    sandbox.state.set_decline(key, True)

    with pytest.raises(GatewayError) as error:
        charge(gateway, key, order_id="ord_sub_declined")

    assert (error.value.code, error.value.message) == ("RC_CARD_DECLINED", "카드 승인 거절")
    assert sandbox.state.list_receipts("ord_sub_declined") == []
    sandbox.state.set_decline(key, False)
    assert charge(gateway, key, order_id="ord_sub_declined").status == 1


def test_amounts_are_checked_before_any_call(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()

    for price, tax_free in ((0, 0), (1_000, 1_001), (1_000, -1), (True, 0), (10.5, 0)):
        with pytest.raises(ValueError):
            gateway.charge_billing_key(
                billing_key=key, order_id="o", order_name="n", price=price, tax_free=tax_free
            )

    assert sandbox.state.calls() == {}


def test_the_client_key_pair_charges_with_basic_auth(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway(
        application_id="", private_key="", client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY
    )

    assert charge(gateway, key).status == 1
    assert sent(sandbox, "POST", "subscribe/payment")["auth"] == "Basic"
    assert sandbox.state.call_count("POST", "request/token") == 0


# --- Reservations -----------------------------------------------------------------------------------


def test_reserve_look_up_and_cancel(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()
    execute_at = datetime(2031, 5, 1, 0, 0, tzinfo=UTC)

    reservation = reserve(gateway, key, order_id="ord_sub_2", execute_at=execute_at)

    assert isinstance(reservation, Reservation)
    assert (reservation.status, reservation.receipt_id) == (ReservationStatus.RESERVED, "")
    assert (reservation.order_id, reservation.price, reservation.tax_free) == ("ord_sub_2", 9_900, 0)
    assert reservation.execute_at == execute_at
    looked_up = gateway.reservation_lookup(reservation.reserve_id)
    assert (looked_up.reserve_id, looked_up.order_id, looked_up.execute_at) == (
        reservation.reserve_id,
        "ord_sub_2",
        execute_at,
    )
    assert "billing_key" not in looked_up.raw

    assert gateway.reservation_cancel(reservation.reserve_id) is None

    assert gateway.reservation_lookup(reservation.reserve_id).status == ReservationStatus.CANCELLED
    with pytest.raises(GatewayError) as error:
        gateway.reservation_cancel(reservation.reserve_id)
    assert error.value.code == "RC_RESERVE_NOT_CANCELLABLE"
    with pytest.raises(GatewayError) as error:
        gateway.reservation_lookup("e" * 24)
    assert error.value.code == "RC_NOT_FOUND"


def test_the_reservation_sends_what_the_sdk_sends_with_a_korean_offset(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]

    reserve(make_gateway(), key, order_id="ord_sub_wire", execute_at=datetime(2031, 5, 1, 0, 0, tzinfo=UTC))

    request = sent(sandbox, "POST", "subscribe/payment/reserve")
    assert request["body"] == {
        "billing_key": key,
        "order_name": "월간 구독",
        "price": 9_900,
        "metadata": {},
        "tax_free": 0,
        "order_id": "ord_sub_wire",
        "items": None,
        "user": None,
        "reserve_execute_at": "2031-05-01T09:00:00+09:00",
        "feedback_url": "",
        "content_type": "",
    }
    looked_up = make_gateway().reservation_lookup(sandbox.state.list_reservations()[0]["reserve_id"])
    assert (
        sent(sandbox, "GET", "subscribe/payment/reserve")["path"]
        == f"subscribe/payment/reserve/{looked_up.reserve_id}"
    )
    make_gateway().reservation_cancel(looked_up.reserve_id)
    assert sent(sandbox, "DELETE", "subscribe/payment/reserve")["body"] is None


def test_a_naive_execute_at_is_refused_before_any_call(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]

    with pytest.raises(ValueError):
        reserve(make_gateway(), key, execute_at=datetime(2031, 5, 1, 9, 0))

    assert sandbox.state.calls() == {}


def test_an_executed_reservation_names_its_receipt(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()
    reservation = reserve(gateway, key, order_id="ord_sub_3")

    sandbox.state.execute_reservation(reservation.reserve_id)

    executed = gateway.reservation_lookup(reservation.reserve_id)
    assert executed.status == ReservationStatus.EXECUTED and executed.receipt_id
    receipt = gateway.lookup_receipt(executed.receipt_id)
    assert (receipt.status, receipt.order_id, receipt.price) == (1, "ord_sub_3", 9_900)
    with pytest.raises(GatewayError) as error:
        gateway.reservation_cancel(reservation.reserve_id)
    assert error.value.code == "RC_RESERVE_NOT_CANCELLABLE"


def test_the_eleventh_pending_reservation_of_a_key_is_refused(sandbox, make_gateway):
    key, other_key = issue(sandbox)["billing_key"], issue(sandbox, "bkr_other")["billing_key"]
    gateway = make_gateway()
    reservations = [reserve(gateway, key, order_id=f"ord_sub_{n}") for n in range(10)]

    with pytest.raises(GatewayError) as error:
        reserve(gateway, key, order_id="ord_sub_10")
    assert error.value.code == "RC_RESERVE_LIMIT"

    assert reserve(gateway, other_key, order_id="ord_other").status == ReservationStatus.RESERVED
    gateway.reservation_cancel(reservations[0].reserve_id)  # only pending ones count
    assert reserve(gateway, key, order_id="ord_sub_10").status == ReservationStatus.RESERVED


# --- Destroy ----------------------------------------------------------------------------------------


def test_a_destroyed_key_is_expired_everywhere(sandbox, make_gateway):
    issued = issue(sandbox)
    key = issued["billing_key"]
    gateway = make_gateway()

    assert gateway.billing_key_destroy(key) is None

    request = sent(sandbox, "DELETE", "subscribe/billing_key")
    assert request["path"] == f"subscribe/billing_key/{key}" and request["body"] is None
    for call in (
        lambda: gateway.billing_key_lookup(key),
        lambda: gateway.billing_key_for_receipt(issued["receipt_id"]),
        lambda: charge(gateway, key, order_id="ord_after_destroy"),
        lambda: reserve(gateway, key, order_id="ord_after_destroy"),
        lambda: gateway.billing_key_destroy(key),
    ):
        with pytest.raises(GatewayError) as error:
            call()
        assert error.value.code == "SUBSCRIBE_BK_EXPIRED"
    assert sandbox.state.list_receipts("ord_after_destroy") == []
    with pytest.raises(GatewayError) as error:
        gateway.billing_key_lookup("0" * 24)  # never issued
    assert error.value.code == "SUBSCRIBE_BK_EXPIRED"


def test_destroying_a_key_leaves_its_reservations_pending(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()
    first, second = reserve(gateway, key, order_id="ord_r1"), reserve(gateway, key, order_id="ord_r2")

    gateway.billing_key_destroy(key)

    assert gateway.reservation_lookup(first.reserve_id).status == ReservationStatus.RESERVED
    outcome = sandbox.state.execute_reservation(first.reserve_id)  # Bootpay runs it: the key is gone
    assert (outcome["receipt"], outcome["error"]["error_code"]) == (None, "SUBSCRIBE_BK_EXPIRED")
    assert gateway.reservation_lookup(first.reserve_id).status == ReservationStatus.FAILED
    assert sandbox.state.list_receipts("ord_r1") == []
    gateway.reservation_cancel(second.reserve_id)  # what the caller should have done first
    assert gateway.reservation_lookup(second.reserve_id).status == ReservationStatus.CANCELLED


# --- Auth and faults --------------------------------------------------------------------------------

OPERATIONS = {
    # name: (fault path prefix, call(gateway, issued, reserve_id))
    "billing_key_for_receipt": (
        "subscribe/billing_key",
        lambda gw, issued, reserve_id: gw.billing_key_for_receipt(issued["receipt_id"]),
    ),
    "billing_key_lookup": (
        "billing_key",
        lambda gw, issued, reserve_id: gw.billing_key_lookup(issued["billing_key"]),
    ),
    "charge_billing_key": (
        "subscribe/payment",
        lambda gw, issued, reserve_id: charge(gw, issued["billing_key"], order_id="ord_faulted"),
    ),
    "reserve_charge": (
        "subscribe/payment/reserve",
        lambda gw, issued, reserve_id: reserve(gw, issued["billing_key"], order_id="ord_faulted"),
    ),
    "reservation_lookup": (
        "subscribe/payment/reserve",
        lambda gw, issued, reserve_id: gw.reservation_lookup(reserve_id),
    ),
    "reservation_cancel": (
        "subscribe/payment/reserve",
        lambda gw, issued, reserve_id: gw.reservation_cancel(reserve_id),
    ),
    "billing_key_destroy": (
        "subscribe/billing_key",
        lambda gw, issued, reserve_id: gw.billing_key_destroy(issued["billing_key"]),
    ),
}


@pytest.fixture
def world(sandbox):
    """A key and one pending reservation on it (made without the gateway: nothing in the call log)."""
    issued = issue(sandbox)
    reserve_id = sandbox.state.reserve_charge(
        issued["billing_key"],
        reserve_execute_at=in_days().isoformat(),
        order_id="ord_pending",
        price=9_900,
        order_name="월간 구독",
    )["reserve_id"]
    return issued, reserve_id


def assert_nothing_changed(sandbox, issued, reserve_id):
    assert sandbox.state.list_receipts("ord_faulted") == []
    assert [r["order_id"] for r in sandbox.state.list_reservations()] == ["ord_pending"]
    assert sandbox.state.get_reservation(reserve_id)["status"] == ReservationStatus.RESERVED
    assert sandbox.state.list_billing_keys()[0]["status"] == "active"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_bad_keys_are_refused_on_every_billing_path(sandbox, make_gateway, world, operation):
    issued, reserve_id = world
    gateway = make_gateway(
        application_id="", private_key="", client_key=SANDBOX_CLIENT_KEY, secret_key="wrong-secret"
    )

    with pytest.raises(GatewayError) as error:
        OPERATIONS[operation][1](gateway, issued, reserve_id)

    assert error.value.code == "TOKEN_KEY_INVALID"
    assert_nothing_changed(sandbox, issued, reserve_id)


@pytest.mark.parametrize("fault", UNKNOWN_OUTCOME_FAULTS, ids=lambda fault: fault["mode"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_unknown_outcome_faults_are_unavailable_on_every_billing_path(
    sandbox, make_gateway, world, operation, fault
):
    issued, reserve_id = world
    gateway = make_gateway(timeout_s=0.5)
    path, call = OPERATIONS[operation]
    sandbox.state.add_fault(path=path, **fault)

    with pytest.raises(GatewayUnavailable):
        call(gateway, issued, reserve_id)

    assert_nothing_changed(sandbox, issued, reserve_id)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_error_code_is_a_gateway_error_on_every_billing_path(sandbox, make_gateway, world, operation):
    issued, reserve_id = world
    path, call = OPERATIONS[operation]
    sandbox.state.add_fault(path=path, mode="error_code", error_code="RC_SOMETHING", message="거절")

    with pytest.raises(GatewayError) as error:
        call(make_gateway(), issued, reserve_id)

    assert (error.value.code, error.value.message) == ("RC_SOMETHING", "거절")
    assert_nothing_changed(sandbox, issued, reserve_id)


def test_a_lost_charge_answer_is_unavailable_but_the_charge_exists(sandbox, make_gateway):
    key = issue(sandbox)["billing_key"]
    gateway = make_gateway()
    sandbox.state.add_fault(path="subscribe/payment", mode="lost_answer", times=1)

    with pytest.raises(GatewayUnavailable):
        charge(gateway, key, order_id="ord_sub_lost", price=9_900)

    [receipt] = sandbox.state.list_receipts("ord_sub_lost")
    assert (receipt["status"], receipt["price"], receipt["method_symbol"]) == (1, 9_900, "card_rebill_rest")
    assert gateway.lookup_receipt(receipt["receipt_id"]).status == 1  # how a caller settles it


def test_lost_answers_on_the_other_paths_were_applied(sandbox, make_gateway):
    issued = issue(sandbox)
    key = issued["billing_key"]
    gateway = make_gateway()
    gateway.billing_key_lookup(key)  # the token first: a lost token answer is another story
    sandbox.state.add_fault(path="", mode="lost_answer")
    gateway_calls = [
        lambda: reserve(gateway, key, order_id="ord_lost_reserve"),
        lambda: gateway.billing_key_lookup(key),
    ]
    for call in gateway_calls:
        with pytest.raises(GatewayUnavailable):
            call()
    [reservation] = sandbox.state.list_reservations()
    assert reservation["order_id"] == "ord_lost_reserve"

    with pytest.raises(GatewayUnavailable):
        gateway.reservation_cancel(reservation["reserve_id"])
    assert sandbox.state.get_reservation(reservation["reserve_id"])["status"] == ReservationStatus.CANCELLED

    with pytest.raises(GatewayUnavailable):
        gateway.billing_key_destroy(key)
    assert sandbox.state.list_billing_keys()[0]["status"] == "destroyed"


def test_lost_answers_on_cancel_and_confirm_were_applied(sandbox, make_gateway):
    paid = sandbox.state.create_receipt(order_id="ord_lost", price=10_000)["receipt_id"]
    awaiting = sandbox.state.create_receipt(order_id="ord_lost", price=10_000, state="awaiting_confirm")
    gateway = make_gateway()
    gateway.lookup_receipt(paid)  # the token first: a lost token answer is another story
    sandbox.state.add_fault(path="cancel", mode="lost_answer", times=1)
    sandbox.state.add_fault(path="confirm", mode="lost_answer", times=1)

    with pytest.raises(GatewayUnavailable):
        gateway.cancel(receipt_id=paid, cancel_id="cx-lost", reason="lost", amount=4_000)
    with pytest.raises(GatewayUnavailable):
        gateway.confirm(awaiting["receipt_id"])

    assert sandbox.state.get_receipt(paid)["cancelled_price"] == 4_000
    assert sandbox.state.get_receipt(awaiting["receipt_id"])["status"] == 1
    with pytest.raises(GatewayError):  # the retry with the same cancel_id is refused: it was applied
        gateway.cancel(receipt_id=paid, cancel_id="cx-lost", reason="retry", amount=4_000)


# --- Path guards ------------------------------------------------------------------------------------

UNSAFE = ["../cancel", "a/b", "key?x=1", "key#x", "a b", "..", "%2e%2e", "", "k" * 129, "키", None, 42]


@pytest.mark.parametrize("value", UNSAFE)
def test_a_billing_key_that_could_rewrite_the_url_never_reaches_the_sdk(sandbox, make_gateway, value):
    gateway = make_gateway()
    calls = [
        lambda: gateway.billing_key_lookup(value),
        lambda: gateway.billing_key_destroy(value),
        lambda: charge(gateway, value),
        lambda: reserve(gateway, value),
    ]
    for call in calls:
        with pytest.raises(GatewayError) as error:
            call()
        assert error.value.code == "INVALID_BILLING_KEY"
        if isinstance(value, str) and value:
            assert value not in str(error.value)  # a billing key is never quoted
    assert sandbox.state.calls() == {}


@pytest.mark.parametrize("value", [v for v in UNSAFE if v != "k" * 129] + ["r" * 65])
def test_a_reserve_or_receipt_id_that_could_rewrite_the_url_never_reaches_the_sdk(
    sandbox, make_gateway, value
):
    gateway = make_gateway()
    for call, code in (
        (lambda: gateway.reservation_lookup(value), "INVALID_RESERVE_ID"),
        (lambda: gateway.reservation_cancel(value), "INVALID_RESERVE_ID"),
        (lambda: gateway.billing_key_for_receipt(value), "INVALID_RECEIPT_ID"),
    ):
        with pytest.raises(GatewayError) as error:
            call()
        assert error.value.code == code
    assert sandbox.state.calls() == {}


# --- The key stays secret ---------------------------------------------------------------------------


def test_a_billing_key_never_reaches_logs_errors_raw_or_repr(sandbox, make_gateway, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # it logs every request line, paths included
    issued = issue(sandbox)
    key = issued["billing_key"]
    gateway = make_gateway(timeout_s=0.5)
    texts: list[str] = []

    info = gateway.billing_key_for_receipt(issued["receipt_id"])
    by_key = gateway.billing_key_lookup(key)
    receipt = charge(gateway, key, order_id="ord_secret")
    reservation = reserve(gateway, key, order_id="ord_secret_next")
    gateway.reservation_lookup(reservation.reserve_id)
    texts += [
        repr(info),
        str(info),
        repr(info.raw),
        repr(by_key),
        str(by_key),
        repr(receipt),
        repr(receipt.raw),
    ]
    texts += [repr(reservation), repr(reservation.raw)]

    failures = []
    sandbox.state.add_fault(
        path="billing_key", mode="error_code", error_code="RC_X", message=f"bad {key}", times=1
    )
    sandbox.state.add_fault(path="subscribe/payment", mode="status_500", times=1)
    sandbox.state.add_fault(path="subscribe/billing_key", mode="reset", times=1)
    sandbox.state.add_fault(path="billing_key", mode="hang", latency_s=5, times=1)
    for call in (
        lambda: gateway.billing_key_lookup(key),
        lambda: charge(gateway, key, order_id="ord_secret_500"),
        lambda: gateway.billing_key_destroy(key),
        lambda: gateway.billing_key_lookup(key),
    ):
        with pytest.raises((GatewayError, GatewayUnavailable)) as error:
            call()
        failures.append(error.value)
    sandbox.state.set_decline(key, True)
    with pytest.raises(GatewayError) as declined:
        charge(gateway, key, order_id="ord_secret_declined")
    failures.append(declined.value)
    gateway.billing_key_destroy(key)
    with pytest.raises(GatewayError) as expired:
        gateway.billing_key_lookup(key)
    failures.append(expired.value)

    for failure in failures:
        texts += [str(failure), repr(failure), repr(getattr(failure, "payload", None))]
    for record in caplog.records:
        texts += [record.getMessage(), repr(vars(record))]
    assert failures[0].message == "bad [REDACTED]"
    assert any("billing_key/[REDACTED]" in record.getMessage() for record in caplog.records)
    assert "bootpay charge_billing_key ok" in caplog.text
    leaks = [text for text in texts if key in text]
    assert leaks == []


def test_billing_results_refuse_bodies_that_are_not_theirs():
    for payload in (None, [], {"receipt_id": "r"}, {"billing_key": "k"}, {"billing_key": 5, "status": 11}):
        with pytest.raises(GatewayUnavailable):
            BillingKeyInfo.from_payload(payload)
    for payload in (
        None,
        {},
        {"reserve_id": ""},
        {"reserve_id": "r", "status": "x"},
        {"reserve_id": "r", "price": "1.5"},
    ):
        with pytest.raises(GatewayUnavailable):
            Reservation.from_payload(payload)
