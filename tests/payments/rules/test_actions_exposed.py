"""Where clients read a payment's `actions`: REST payments (detail and list), GraphQL `Payment.actions` and
`Order.paymentActions` (which a seller sees too, though never the payment), in the request's language."""

import pytest

from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

MY_ORDERS = """{ myOrders(first: 20) { edges { node {
  orderId
  paymentActions { cancel partialCancel lineCancel refundAccountRequired reasons { action code message } }
} } } }"""
SELLER_ORDERS = """{ sellerOrders(first: 20) { edges { node { orderId paymentActions { lineCancel } } } } }"""


@pytest.fixture
def paid(buyer, make_order, pay_at_pg):
    def make(pg="토스페이먼츠", **options):
        order = make_order(prices=(6_000, 4_000))
        receipt_id = pay_at_pg(order, pg=pg, **options)
        return payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    return make


def test_rest_payments_carry_actions_in_the_callers_language(paid, buyer, api_client_for, bootpay):
    payment = paid()
    client = api_client_for(buyer)

    detail = client.get(f"/api/v1/payments/{payment.public_id}/", HTTP_ACCEPT_LANGUAGE="ko").json()
    listed = client.get("/api/v1/payments/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]

    assert detail["actions"]["cancel"] is True
    assert detail["actions"]["partial_cancel"] is False and detail["actions"]["line_cancel"] is False
    refusal = detail["actions"]["reasons"][0]
    assert refusal["code"] == "partial_cancel_unsupported"
    assert "부분 취소" in refusal["message"]
    assert listed["actions"]["reasons"][0]["message"].startswith("This PG does not take partial cancels")


def test_the_payment_list_reads_actions_without_a_query_per_row(
    paid, buyer, api_client_for, bootpay, django_assert_max_num_queries
):
    client = api_client_for(buyer)
    paid()
    with django_assert_max_num_queries(50) as few:
        client.get("/api/v1/payments/")
    for _ in range(4):
        paid()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/payments/").json()["results"]) == 5


def test_an_order_shows_its_payment_actions_to_its_buyer_and_its_seller(paid, buyer, bootpay):
    payment = paid(pg="KCP")
    seller_user = payment.order.items.first().seller.user

    mine = GraphQLClient(buyer)(MY_ORDERS)["myOrders"]["edges"][0]["node"]["paymentActions"]
    sellers = GraphQLClient(seller_user)(SELLER_ORDERS)["sellerOrders"]["edges"][0]["node"]["paymentActions"]

    assert mine == {
        "cancel": True,
        "partialCancel": True,
        "lineCancel": True,
        "refundAccountRequired": False,
        "reasons": [],
    }
    assert sellers == {"lineCancel": True}


def test_an_unpaid_order_has_no_payment_actions(buyer, make_order, bootpay):
    make_order()
    assert GraphQLClient(buyer)(MY_ORDERS)["myOrders"]["edges"][0]["node"]["paymentActions"] is None


def test_graphql_payment_actions_match_rest(paid, buyer, api_client_for, bootpay):
    payment = paid(method="phone")
    query = """query($id: ID!) { payment(id: $id) { actions { cancel partialCancel reasons { code } } } }"""
    actions = GraphQLClient(buyer)(query, {"id": payment.public_id})["payment"]["actions"]
    rest = api_client_for(buyer).get(f"/api/v1/payments/{payment.public_id}/").json()["actions"]
    assert actions["cancel"] is rest["cancel"] is True
    assert actions["partialCancel"] is rest["partial_cancel"] is False
    assert [r["code"] for r in actions["reasons"]] == [r["code"] for r in rest["reasons"]]


def test_a_seller_sees_what_may_be_done_but_not_the_buyers_payment_method(
    buyer, make_order, pay_at_pg, bootpay, settings
):
    from payments.services import payment_reconcile

    settings.BOOTPAY_VBANK_REFUND_CONTRACT = False
    bootpay.state.update_settings(vbank_refund_contract=False)
    order = make_order(prices=(6_000,))
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.deposit(receipt_id)
    payment_reconcile(older_than_minutes=0)
    seller_user = order.items.first().seller.user
    query = """{ sellerOrders(first: 5) { edges { node {
      paymentActions { cancel lineCancel refundAccountRequired reasons { code message } } } } } }"""

    told = GraphQLClient(seller_user)(query)["sellerOrders"]["edges"][0]["node"]["paymentActions"]
    buyers = GraphQLClient(buyer)(MY_ORDERS)["myOrders"]["edges"][0]["node"]["paymentActions"]

    assert buyers["refundAccountRequired"] is True and "가상계좌" in buyers["reasons"][0]["message"]
    assert told["cancel"] is False and told["refundAccountRequired"] is False
    assert {r["code"] for r in told["reasons"]} == {"cancel_unsupported"}
    assert all("가상계좌" not in r["message"] for r in told["reasons"])


def test_a_later_receipt_without_a_method_keeps_the_one_the_rules_read(paid, bootpay):
    from payments.gateway.types import Receipt
    from payments.services.common import payment_update

    payment = paid(pg="KCP", method="phone")
    raw = bootpay.state.get_receipt(payment.receipt_id) | {"method_symbol": "", "method": "", "pg": ""}
    payment_update(payment, status=payment.status, receipt=Receipt.from_payload(raw))
    payment.refresh_from_db()
    assert (payment.method, payment.pg) == ("phone", "KCP")
