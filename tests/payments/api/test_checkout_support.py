"""What the checkout bundle reads besides orders: its public config, and a virtual account's details."""

import json

import pytest

from payments.gateway import REFUND_BANKS
from payments.models import Payment
from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

CONFIG_QUERY = """{ checkoutConfig { webApplicationId androidApplicationId iosApplicationId widgetKey mode
  separatelyConfirmed refundBanks { code name }
  refundAccountRule { minDigits maxDigits holderMaxLength } } }"""


@pytest.fixture
def configured(settings):
    settings.BOOTPAY_WEB_APPLICATION_ID = "web-app-1"
    settings.BOOTPAY_ANDROID_APPLICATION_ID = "android-app-1"
    settings.BOOTPAY_IOS_APPLICATION_ID = "ios-app-1"
    settings.BOOTPAY_WIDGET_KEY = "widget-key-1"
    settings.BOOTPAY_SEPARATELY_CONFIRMED = True
    settings.BOOTPAY_APPLICATION_ID = "rest-app-secretish"
    settings.BOOTPAY_PRIVATE_KEY = "private-key-must-not-leak"
    settings.BOOTPAY_CLIENT_KEY = "client-key-must-not-leak"
    settings.BOOTPAY_SECRET_KEY = "secret-key-must-not-leak"
    return settings


def test_rest_and_graphql_give_the_same_public_config_and_never_a_key(configured, api_client, db):
    response = api_client.get("/api/v1/checkout/config/")
    assert response.status_code == 200
    assert response.json() == {
        "web_application_id": "web-app-1",
        "android_application_id": "android-app-1",
        "ios_application_id": "ios-app-1",
        "widget_key": "widget-key-1",
        "mode": "sandbox",
        "separately_confirmed": True,
        "refund_banks": [{"code": bank.code, "name": bank.name} for bank in REFUND_BANKS],
        "refund_account_rule": {"min_digits": 10, "max_digits": 16, "holder_max_length": 50},
    }
    graphql = GraphQLClient()(CONFIG_QUERY)["checkoutConfig"]
    assert graphql == {
        "webApplicationId": "web-app-1",
        "androidApplicationId": "android-app-1",
        "iosApplicationId": "ios-app-1",
        "widgetKey": "widget-key-1",
        "mode": "sandbox",
        "separatelyConfirmed": True,
        "refundBanks": [{"code": bank.code, "name": bank.name} for bank in REFUND_BANKS],
        "refundAccountRule": {"minDigits": 10, "maxDigits": 16, "holderMaxLength": 50},
    }
    answers = response.content.decode() + json.dumps(graphql)
    for secret in ("rest-app-secretish", "private-key-must-not-leak", "client-key", "secret-key"):
        assert secret not in answers


@pytest.fixture
def issued_vbank(buyer, make_order, pay_at_pg, bootpay):
    order = make_order(prices=(25_000,))
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.status == "awaiting_deposit"
    return payment, bootpay.state.get_receipt(receipt_id)["vbank_data"]


def test_the_issued_virtual_account_shows_in_rest_and_graphql(issued_vbank, buyer, api_client_for):
    payment, vbank = issued_vbank
    rest = api_client_for(buyer).get(f"/api/v1/payments/{payment.public_id}/").json()["virtual_account"]
    assert rest["bank_code"] == vbank["bank_code"]
    assert rest["bank_name"] == vbank["bank_name"]
    assert rest["account_number"] == vbank["bank_account"]
    assert rest["holder"] == vbank["bank_username"]
    assert rest["due_at"] is not None
    listed = api_client_for(buyer).get("/api/v1/payments/").json()["results"][0]["virtual_account"]
    assert listed == rest
    data = GraphQLClient(buyer)(
        """query($id: ID!) { payment(id: $id) { virtualAccount { bankCode bankName accountNumber holder
        dueAt } } }""",
        {"id": payment.public_id},
    )
    account = data["payment"]["virtualAccount"]
    assert (account["bankCode"], account["bankName"], account["accountNumber"], account["holder"]) == (
        vbank["bank_code"],
        vbank["bank_name"],
        vbank["bank_account"],
        vbank["bank_username"],
    )
    assert account["dueAt"].startswith(vbank["expired_at"][:10])


def test_a_card_payment_has_no_virtual_account(buyer, make_order, pay_at_pg, bootpay, api_client_for):
    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    body = api_client_for(buyer).get(f"/api/v1/payments/{payment.public_id}/").json()
    assert body["virtual_account"] is None


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"vbank_data": None},
        {"vbank_data": "004-123"},
        {"vbank_data": {"bank_code": "004", "bank_name": "국민은행", "bank_account": ""}},
        {"vbank_data": {"bank_code": "004", "bank_name": "국민은행", "bank_account": 12345}},
        [],
    ],
)
def test_an_incomplete_stored_receipt_gives_no_virtual_account(raw):
    assert Payment(raw_receipt=raw).virtual_account is None


@pytest.mark.parametrize(
    ("expired_at", "due"),
    [
        ("2026-12-04T23:59:59+09:00", "2026-12-04T23:59:59+09:00"),
        ("2026-12-04T23:59:59", "2026-12-04T23:59:59+09:00"),  # naive: Korean time
        ("2026-12-04T14:59:59Z", "2026-12-04T23:59:59+09:00"),  # shown in Korean time
        ("2026-13-04T23:59:59+09:00", None),  # out of range
        ("0001-01-01T00:00:00+10:00", None),  # no deadline a bank issues, and beyond Korean time's range
        ("9999-12-31T23:59:59-01:00", None),
        ("tomorrow", None),
        (None, None),
    ],
)
def test_the_deposit_deadline_is_read_as_korean_time_or_left_out(expired_at, due):
    account = Payment(
        raw_receipt={
            "vbank_data": {
                "bank_code": "004",
                "bank_name": "국민은행",
                "bank_account": "12345678901234",
                "bank_username": "마켓",
                "expired_at": expired_at,
            }
        }
    ).virtual_account
    assert account is not None
    assert account.account_number == "12345678901234"
    assert (account.due_at.isoformat() if account.due_at else None) == due


@pytest.mark.parametrize(
    "expired_at", ["0001-01-01T00:00:00+10:00", "9999-12-31T23:59:59-01:00", "0001-01-01"]
)
def test_an_implausible_deadline_never_breaks_the_payment_views(
    expired_at, issued_vbank, buyer, api_client_for
):
    payment, _ = issued_vbank
    raw = dict(payment.raw_receipt)
    raw["vbank_data"] = dict(raw["vbank_data"], expired_at=expired_at)
    Payment.objects.filter(pk=payment.pk).update(raw_receipt=raw)
    client = api_client_for(buyer)
    listing = client.get("/api/v1/payments/")
    detail = client.get(f"/api/v1/payments/{payment.public_id}/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert detail.json()["virtual_account"]["due_at"] is None
    assert listing.json()["results"][0]["virtual_account"]["due_at"] is None


def test_only_the_account_number_is_required_to_show_a_virtual_account():
    account = Payment(
        raw_receipt={"vbank_data": {"bank_account": "12345678901234", "bank_code": 4}}
    ).virtual_account
    assert account is not None
    assert (account.account_number, account.bank_code, account.bank_name, account.holder) == (
        "12345678901234",
        "",
        "",
        "",
    )
