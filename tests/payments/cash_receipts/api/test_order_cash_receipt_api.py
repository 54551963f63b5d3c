"""REST and GraphQL: the checkout's choice, POST orders/{order_id}/cash-receipt/, requestCashReceipt, the
order's and payment's `cash_receipt`; who may do what; identifiers never unmasked in an answer or a log."""

import json
import logging

import pytest

from payments.cash_receipts.models import CashReceiptIssuance

pytestmark = pytest.mark.django_db

PHONE = "01098765432"


def gql(client, query, variables=None):
    response = client.post("/graphql/", {"query": query, "variables": variables or {}}, format="json")
    assert response.status_code == 200
    return response.json()


def create(client, product, cash_receipt):
    body = {"items": [{"product_id": product.pk, "quantity": 1}]}
    if cash_receipt is not ...:
        body["cash_receipt"] = cash_receipt
    return client.post("/api/v1/orders/", body, format="json")


def test_checkout_stores_the_choice_and_the_order_shows_it_masked(api_client_for, buyer, make_product):
    client = api_client_for(buyer)

    response = create(client, make_product(), {"type": "income_deduction", "identifier": "010-9876-5432"})

    assert response.status_code == 201
    shown = response.json()["cash_receipt"]
    assert shown == {
        "type": "income_deduction",
        "identifier_masked": "010-****-5432",
        "approval_no": None,
        "amount": None,
        "status": "pending",
        "issued_at": None,
    }
    assert PHONE not in response.content.decode()


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        ({"type": "income_deduction", "identifier": "1208147522"}, "cash_receipt_identifier_invalid"),
        ({"type": "expense_proof", "identifier": "1208147522"}, "cash_receipt_identifier_invalid"),
        ({"type": "income_deduction"}, "cash_receipt_identifier_invalid"),
        # Overlong, however few its digits: the same code over REST as over GraphQL.
        (
            {"type": "income_deduction", "identifier": "010-" + "-" * 40 + "1234-5678"},
            "cash_receipt_identifier_invalid",
        ),
        ({"type": "receipt", "identifier": PHONE}, "validation_error"),
        ({"type": "income_deduction", "identifier": "\x00" * 5}, "validation_error"),
        ("010", "validation_error"),
        ({"type": ["none"]}, "validation_error"),
    ],
)
def test_a_bad_choice_refuses_the_order_and_reserves_nothing(
    api_client_for, buyer, make_product, choice, code
):
    product = make_product(stock=3)

    response = create(api_client_for(buyer), product, choice)

    assert response.status_code == 400 and response.json()["code"] == code
    product.refresh_from_db()
    assert product.stock == 3
    assert "1208147522" not in response.content.decode()


def test_graphql_checkout_takes_the_choice_and_refuses_a_bad_number_as_a_typed_error(
    api_client_for, buyer, make_product
):
    from strawberry.relay import to_base64

    client = api_client_for(buyer)
    product = make_product()
    query = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
        __typename ... on CreateOrderSuccess { order { cashReceipt { type identifierMasked status } } }
        ... on Error { code } } }"""
    line = {"productId": to_base64("Product", product.pk), "quantity": 1}

    good = gql(
        client,
        query,
        {"input": {"items": [line], "cashReceipt": {"type": "income_deduction", "identifier": PHONE}}},
    )
    bad = gql(
        client,
        query,
        {"input": {"items": [line], "cashReceipt": {"type": "expense_proof", "identifier": "12"}}},
    )

    assert good["data"]["createOrder"]["order"]["cashReceipt"] == {
        "type": "income_deduction",
        "identifierMasked": "010-****-5432",
        "status": "pending",
    }
    assert bad["data"]["createOrder"] == {
        "__typename": "OperationError",
        "code": "cash_receipt_identifier_invalid",
    }
    assert PHONE not in json.dumps(good)


@pytest.fixture
def paid_bank_order(cash_order, paid_cash, cash_bootpay):
    def make(prices=(30_000,), choice=None):
        order = cash_order(prices=prices, choice=choice)
        paid_cash(order)
        return order

    return make


def test_the_buyer_asks_after_payment_then_changes_the_number(
    api_client_for, buyer, paid_bank_order, cash_bootpay, caplog
):
    order = paid_bank_order()
    client = api_client_for(buyer)
    url = f"/api/v1/orders/{order.order_id}/cash-receipt/"
    caplog.set_level(logging.DEBUG)

    first = client.post(url, {"type": "income_deduction", "identifier": PHONE}, format="json")
    second = client.post(url, {"type": "expense_proof", "identifier": "120-81-47521"}, format="json")

    assert (
        first.status_code == 200 and first.json()["status"] == "issued" and first.json()["amount"] == 30_000
    )
    assert second.json()["identifier_masked"] == "120-81-*****" and second.json()["status"] == "issued"
    assert [r.state for r in CashReceiptIssuance.objects.filter(order=order).order_by("pk")] == [
        "cancelled",
        "issued",
    ]
    detail = client.get(f"/api/v1/orders/{order.order_id}/")
    payment_id = detail.json()["items"] and order.payments.get().public_id
    payment = client.get(f"/api/v1/payments/{payment_id}/")
    assert payment.json()["cash_receipt"]["approval_no"] == second.json()["approval_no"]
    everything = (
        first.content.decode() + second.content.decode() + detail.content.decode() + payment.content.decode()
    )
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in (PHONE, "1208147521"):
        assert secret not in everything and secret not in logged


def test_who_may_ask(api_client_for, buyer, make_user, paid_bank_order):
    order = paid_bank_order()
    seller_user = order.items.first().seller.user
    url = f"/api/v1/orders/{order.order_id}/cash-receipt/"
    body = {"type": "income_deduction", "identifier": PHONE}

    assert api_client_for(make_user()).post(url, body, format="json").json()["code"] == "order_not_found"
    assert api_client_for(seller_user).post(url, body, format="json").json()["code"] == "permission_denied"
    assert api_client_for(None).post(url, body, format="json").status_code == 401
    assert api_client_for(make_user(is_staff=True)).post(url, body, format="json").status_code == 200
    # The seller sees the order, but not the buyer's receipt.
    assert api_client_for(seller_user).get(f"/api/v1/orders/{order.order_id}/").json()["cash_receipt"] is None


def test_not_applicable_and_in_progress(api_client_for, buyer, cash_order, paid_bank_order, cash_bootpay):
    client = api_client_for(buyer)
    body = {"type": "income_deduction", "identifier": PHONE}
    unpaid = cash_order()
    assert client.post(f"/api/v1/orders/{unpaid.order_id}/cash-receipt/", body, format="json").json()[
        "code"
    ] == ("cash_receipt_not_applicable")
    order = paid_bank_order(choice=body)
    CashReceiptIssuance.objects.filter(order=order).update(state="cancel_requested")
    response = client.post(f"/api/v1/orders/{order.order_id}/cash-receipt/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "cash_receipt_in_progress")


def test_past_the_deadline_is_not_applicable(api_client_for, buyer, paid_bank_order, settings):
    from datetime import timedelta

    from django.utils import timezone

    order = paid_bank_order()
    order.payments.update(
        purchased_at=timezone.now() - timedelta(days=settings.CASH_RECEIPT_REQUEST_DAYS, hours=1)
    )
    response = api_client_for(buyer).post(
        f"/api/v1/orders/{order.order_id}/cash-receipt/",
        {"type": "income_deduction", "identifier": PHONE},
        format="json",
    )
    assert response.json()["code"] == "cash_receipt_not_applicable"


def test_graphql_request_cash_receipt_same_codes(api_client_for, buyer, make_user, paid_bank_order):
    order = paid_bank_order()
    query = """mutation($orderId: String!, $type: String!, $identifier: String) {
        requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {
          __typename ... on RequestCashReceiptSuccess { cashReceipt { status amount identifierMasked } }
          ... on Error { code } } }"""
    variables = {"orderId": order.order_id, "type": "income_deduction", "identifier": PHONE}

    stranger = gql(api_client_for(make_user()), query, variables)
    bad = gql(api_client_for(buyer), query, {**variables, "identifier": "1"})
    overlong = gql(api_client_for(buyer), query, {**variables, "identifier": "010-" + "-" * 40 + "9876-5432"})
    rest_overlong = api_client_for(buyer).post(
        f"/api/v1/orders/{order.order_id}/cash-receipt/",
        {"type": "income_deduction", "identifier": "010-" + "-" * 40 + "9876-5432"},
        format="json",
    )
    good = gql(api_client_for(buyer), query, variables)

    assert stranger["data"]["requestCashReceipt"]["code"] == "order_not_found"
    assert bad["data"]["requestCashReceipt"]["code"] == "cash_receipt_identifier_invalid"
    assert overlong["data"]["requestCashReceipt"]["code"] == "cash_receipt_identifier_invalid"
    assert (rest_overlong.status_code, rest_overlong.json()["code"]) == (
        400,
        "cash_receipt_identifier_invalid",
    )
    assert good["data"]["requestCashReceipt"]["cashReceipt"] == {
        "status": "issued",
        "amount": 30_000,
        "identifierMasked": "010-****-5432",
    }
    assert PHONE not in json.dumps(good)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": None},
        {"type": "income_deduction", "identifier": 12},
        [],
        "x",
        {"type": "income_deduction", "identifier": "a" * 500},
    ],
)
def test_bad_input_is_never_a_500(api_client_for, buyer, paid_bank_order, body):
    order = paid_bank_order()
    response = api_client_for(buyer).post(
        f"/api/v1/orders/{order.order_id}/cash-receipt/", body, format="json"
    )
    assert 400 <= response.status_code < 500


PAYMENT_CASH_RECEIPT = """query($id: ID!) {
  payment(id: $id) {
    paymentId orderId
    cashReceipt { type identifierMasked approvalNo amount status issuedAt }
  }
}"""


def test_graphql_payment_carries_the_cash_receipt_like_rest(
    api_client_for, buyer, make_user, paid_bank_order
):
    order = paid_bank_order(choice={"type": "income_deduction", "identifier": PHONE})
    payment_id = order.payments.get().public_id
    rest = api_client_for(buyer).get(f"/api/v1/payments/{payment_id}/").json()["cash_receipt"]

    mine = gql(api_client_for(buyer), PAYMENT_CASH_RECEIPT, {"id": payment_id})
    staff = gql(api_client_for(make_user(is_staff=True)), PAYMENT_CASH_RECEIPT, {"id": payment_id})

    shown = mine["data"]["payment"]["cashReceipt"]
    assert (
        shown["status"] == "issued"
        and shown["amount"] == 30_000
        and shown["identifierMasked"] == "010-****-5432"
    )
    assert (
        shown
        == {
            "type": rest["type"],
            "identifierMasked": rest["identifier_masked"],
            "approvalNo": rest["approval_no"],
            "amount": rest["amount"],
            "status": rest["status"],
            "issuedAt": shown["issuedAt"],
        }
        and shown["issuedAt"]
    )
    assert staff["data"]["payment"]["cashReceipt"] == shown
    assert PHONE not in json.dumps(mine)


def test_graphql_payment_cash_receipt_is_null_without_one_and_hidden_from_a_seller(
    api_client_for, buyer, paid_bank_order
):
    order = paid_bank_order()  # 30,000 won, nobody asked: no receipt (self-issuance is for ≥ 100,000)
    payment_id = order.payments.get().public_id
    seller_user = order.items.first().seller.user

    mine = gql(api_client_for(buyer), PAYMENT_CASH_RECEIPT, {"id": payment_id})
    theirs = gql(api_client_for(seller_user), PAYMENT_CASH_RECEIPT, {"id": payment_id})

    assert mine["data"]["payment"]["cashReceipt"] is None
    # A seller never sees the buyer's payment (nor, so, its receipt).
    assert theirs["data"]["payment"] is None or theirs["data"]["payment"]["cashReceipt"] is None
