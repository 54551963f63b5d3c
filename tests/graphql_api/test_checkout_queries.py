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


SELLER_ORDERS = """{ sellerOrders(first: 20) { edges { node { orderId paymentId payments { paymentId }
  items { id productName } } } } }"""


def test_a_seller_gets_the_payment_id_of_its_orders_and_refunds_an_own_line_with_it(
    buyer, make_seller, make_product, bootpay, django_assert_max_num_queries
):
    from orders.services import OrderLine, order_create
    from payments.services import payment_verify

    coffee, books = make_seller("coffee"), make_seller("books")
    orders = []
    for _ in range(3):
        lines = [OrderLine(make_product(seller=seller, price=10_000).pk, 1) for seller in (coffee, books)]
        order = order_create(buyer=buyer, lines=lines)
        receipt = bootpay.state.create_receipt(order_id=order.order_id, price=order.total_amount)
        orders.append(
            (order, payment_verify(order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=buyer))
        )
    unpaid = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=coffee).pk, 1)])

    client = GraphQLClient(coffee.user)
    with django_assert_max_num_queries(8):  # not one more per order
        nodes = {
            edge["node"]["orderId"]: edge["node"] for edge in client(SELLER_ORDERS)["sellerOrders"]["edges"]
        }
    assert nodes[unpaid.order_id]["paymentId"] is None
    for order, payment in orders:
        assert nodes[order.order_id]["paymentId"] == payment.public_id
        assert nodes[order.order_id]["payments"] == []  # the payment itself stays the buyer's

    order, payment = orders[0]
    (own_line,) = nodes[order.order_id]["items"]
    result = client(
        """mutation($p: ID!, $i: [ID!]) { cancelPayment(paymentId: $p, reason: "품절", idempotencyKey: "k1",
        itemIds: $i) { __typename ... on CancelPaymentSuccess { cancellation { amount } } } }""",
        {"p": nodes[order.order_id]["paymentId"], "i": [own_line["id"]]},
    )["cancelPayment"]
    assert result == {"__typename": "CancelPaymentSuccess", "cancellation": {"amount": 10_000}}
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 10_000


def test_the_buyer_sees_the_payment_id_after_cancel_order_too(buyer, make_order):
    order = make_order()
    result = GraphQLClient(buyer)(
        """mutation($o: String!) { cancelOrder(orderId: $o) {
        ... on CancelOrderSuccess { order { paymentId } } } }""",
        {"o": order.order_id},
    )
    assert result["cancelOrder"]["order"] == {"paymentId": None}
