"""Every query over HTTP: products, product, myOrders, sellerOrders, order, payment, me."""

import base64

import pytest

from orders.models import Order, Product
from orders.services import OrderLine, order_create
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


def global_id(type_name: str, key) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


PRODUCTS = """query(
  $seller: ID, $active: Boolean, $min: Int, $max: Int, $ordering: ProductOrdering, $first: Int
) {
  products(
    sellerId: $seller, active: $active, minPrice: $min, maxPrice: $max, ordering: $ordering, first: $first
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name price isTaxFree isActive seller { name } } }
  }
}"""


def test_products_filter_order_and_paginate(gql_for, make_seller, make_product):
    coffee, farm = make_seller("coffee"), make_seller("farm")
    cheap = make_product(seller=coffee, price=1_000)
    mid = make_product(seller=coffee, price=5_000)
    make_product(seller=farm, price=9_000)
    make_product(seller=coffee, price=7_000, is_active=False)
    anyone = gql_for()

    everything = anyone(PRODUCTS)["products"]
    assert everything["totalCount"] == 3  # the inactive one is hidden from the public

    coffee_only = anyone(PRODUCTS, {"seller": global_id("Seller", coffee.pk), "ordering": "PRICE_ASC"})[
        "products"
    ]
    assert [edge["node"]["price"] for edge in coffee_only["edges"]] == [1_000, 5_000]
    assert coffee_only["edges"][0]["node"]["seller"]["name"] == "coffee"

    ranged = anyone(PRODUCTS, {"min": 2_000, "max": 8_000})["products"]
    assert [edge["node"]["name"] for edge in ranged["edges"]] == [mid.name]

    page = anyone(PRODUCTS, {"first": 2, "ordering": "PRICE_DESC"})["products"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    assert cheap.name not in [edge["node"]["name"] for edge in page["edges"]]


def test_a_seller_sees_its_own_inactive_products(gql_for, make_seller, make_product):
    shop = make_seller("shop")
    make_product(seller=shop, is_active=False)

    assert gql_for(shop.user)(PRODUCTS, {"active": False})["products"]["totalCount"] == 1
    assert gql_for()(PRODUCTS, {"active": False})["products"]["totalCount"] == 0


def test_product_by_global_id(gql_for, make_product):
    product = make_product(price=4_200)
    hidden = make_product(is_active=False)
    query = "query($id: ID!) { product(id: $id) { name price } }"

    assert gql_for()(query, {"id": global_id("Product", product.pk)})["product"]["price"] == 4_200
    assert gql_for()(query, {"id": global_id("Product", hidden.pk)})["product"] is None


MY_ORDERS = """query($status: String) {
  myOrders(first: 10, status: $status) { totalCount edges { node { orderId status totalAmount } } }
}"""


def test_my_orders_lists_only_the_callers_orders_and_filters_by_status(gql_for, buyer, make_user, make_order):
    paid = make_order()
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.PAID)
    pending = make_order()
    make_order(user=make_user("someone-else"))

    mine = gql_for(buyer)(MY_ORDERS)["myOrders"]
    assert {edge["node"]["orderId"] for edge in mine["edges"]} == {paid.order_id, pending.order_id}
    only_paid = gql_for(buyer)(MY_ORDERS, {"status": "paid"})["myOrders"]
    assert [edge["node"]["orderId"] for edge in only_paid["edges"]] == [paid.order_id]
    anonymous = gql_for().raw(MY_ORDERS).json()  # REST's 401: an error, not "no orders"
    assert [error["extensions"]["code"] for error in anonymous["errors"]] == ["not_authenticated"]


def test_order_and_payment_by_public_id(gql_for, buyer, make_order, pay_at_pg):
    order = make_order(prices=(8_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    client = gql_for(buyer)

    shown = client(
        "query($o: String!) { order(orderId: $o) { orderId totalAmount items { quantity lineTotal } "
        "payments { paymentId status } } }",
        {"o": order.order_id},
    )["order"]
    assert shown["totalAmount"] == 8_000 and shown["items"] == [{"quantity": 1, "lineTotal": 8_000}]
    assert shown["payments"] == [{"paymentId": payment.public_id, "status": "paid"}]

    detail = client(
        "query($id: ID!) { payment(id: $id) { paymentId orderId amount cancellableAmount receiptId "
        "events { kind actor } } }",
        {"id": payment.public_id},
    )["payment"]
    assert detail["orderId"] == order.order_id and detail["cancellableAmount"] == 8_000
    assert detail["events"] == [{"kind": "verified", "actor": buyer.username}]


def test_seller_orders_show_only_the_sellers_lines(gql_for, buyer, make_seller, make_product):
    mine, theirs = make_seller("mine"), make_seller("theirs")
    my_product, their_product = (
        make_product(seller=mine, price=3_000),
        make_product(seller=theirs, price=4_000),
    )
    order = order_create(buyer=buyer, lines=[OrderLine(my_product.pk, 2), OrderLine(their_product.pk, 1)])

    data = gql_for(mine.user)(
        "{ sellerOrders(first: 10) { edges { node { "
        "orderId totalAmount items { productName lineTotal } } } } }"
    )

    node = data["sellerOrders"]["edges"][0]["node"]
    assert node["orderId"] == order.order_id
    assert node["items"] == [{"productName": my_product.name, "lineTotal": 6_000}]
    assert node["totalAmount"] is None  # the whole order's total is the buyer's business


def test_me(gql_for, buyer):
    assert gql_for(buyer)("{ me { username } }") == {"me": {"username": "buyer"}}
    assert gql_for()("{ me { username } }") == {"me": None}


def test_an_order_line_still_shows_a_product_withdrawn_since(gql_for, buyer, make_order):
    order = make_order(prices=(3_000,))
    Product.objects.update(is_active=False)

    data = gql_for(buyer)(
        "query($o: String!) { order(orderId: $o) { items { product { name isActive } } } }",
        {"o": order.order_id},
    )

    assert data["order"]["items"][0]["product"]["isActive"] is False
