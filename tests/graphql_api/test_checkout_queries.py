"""The GraphQL the checkout pages need beyond payments: who the user is, and abandoning an unpaid order."""

import pytest

from orders.models import Order, Product
from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

ME = "{ me { username isStaff isSeller } }"
CANCEL = """mutation($orderId: String!) { cancelOrder(orderId: $orderId) {
  __typename
  ... on CancelOrderSuccess { order { orderId status } }
  ... on Error { code }
} }"""


def test_me_tells_the_pages_which_role_menus_to_show(buyer, make_seller, make_user, db):
    seller = make_seller("coffee")
    staff = make_user("ops", is_staff=True)
    assert GraphQLClient(buyer)(ME)["me"] == {"username": "buyer", "isStaff": False, "isSeller": False}
    assert GraphQLClient(seller.user)(ME)["me"]["isSeller"] is True
    assert GraphQLClient(staff)(ME)["me"]["isStaff"] is True
    assert GraphQLClient()(ME)["me"] is None


def test_the_buyer_cancels_an_unpaid_order_and_its_stock_returns(buyer, make_order):
    order = make_order(prices=(10_000,))
    product = Product.objects.get(pk=order.items.get().product_id)
    assert product.stock == 9
    result = GraphQLClient(buyer)(CANCEL, {"orderId": order.order_id})["cancelOrder"]
    assert result == {
        "__typename": "CancelOrderSuccess",
        "order": {"orderId": order.order_id, "status": "cancelled"},
    }
    product.refresh_from_db()
    assert product.stock == 10
    again = GraphQLClient(buyer)(CANCEL, {"orderId": order.order_id})["cancelOrder"]
    assert again == {"__typename": "OperationError", "code": "order_not_payable"}


def test_a_paid_order_is_not_cancelled(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    result = GraphQLClient(buyer)(CANCEL, {"orderId": order.order_id})["cancelOrder"]
    assert result["code"] == "order_not_payable"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


@pytest.mark.parametrize("who", ["stranger", "seller", "anonymous"])
def test_only_the_buyer_cancels(who, buyer, make_order, make_user):
    order = make_order()
    user = {"stranger": make_user(), "seller": order.items.get().seller.user, "anonymous": None}[who]
    result = GraphQLClient(user)(CANCEL, {"orderId": order.order_id})["cancelOrder"]
    expected = {
        "stranger": "order_not_found",
        "seller": "permission_denied",
        "anonymous": "not_authenticated",
    }
    assert result["code"] == expected[who]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
