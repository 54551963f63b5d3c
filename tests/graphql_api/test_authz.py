"""Buyer A never reads buyer B's order, payment or events, on any path; sellers see only their lines."""

import pytest

from orders.services import OrderLine, order_create
from payments.services import payment_verify

pytestmark = pytest.mark.django_db

NESTED = """{ orderId totalAmount items { productName seller { name } }
  payments { paymentId receiptId amount events { kind data } cancellations { amount } } }"""


@pytest.fixture
def two_buyers(make_user, make_seller, make_product, pay_at_pg):
    shop, other_shop = make_seller("shop"), make_seller("other-shop")
    product, other_product = (
        make_product(seller=shop, price=5_000),
        make_product(seller=other_shop, price=2_000),
    )
    alice, bob = make_user("alice"), make_user("bob")
    order = order_create(buyer=bob, lines=[OrderLine(product.pk, 1), OrderLine(other_product.pk, 1)])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=bob)
    return {
        "alice": alice,
        "bob": bob,
        "shop": shop,
        "other_shop": other_shop,
        "order": order,
        "payment": payment,
    }


def test_another_buyer_sees_nothing_on_any_path(gql_for, two_buyers):
    alice = gql_for(two_buyers["alice"])
    order, payment = two_buyers["order"], two_buyers["payment"]

    direct = alice(f'{{ order(orderId: "{order.order_id}") {NESTED} }}')
    by_payment = alice(f'{{ payment(id: "{payment.public_id}") {{ paymentId events {{ kind }} }} }}')
    connection = alice(f"{{ myOrders(first: 50) {{ totalCount edges {{ node {NESTED} }} }} }}")
    seller_path = alice(f"{{ sellerOrders(first: 50) {{ totalCount edges {{ node {NESTED} }} }} }}")

    assert direct == {"order": None}
    assert by_payment == {"payment": None}
    assert connection["myOrders"]["totalCount"] == 0
    assert seller_path["sellerOrders"]["totalCount"] == 0
    raw = alice.raw(f'{{ order(orderId: "{order.order_id}") {NESTED} }}').content.decode()
    assert payment.receipt_id not in raw and payment.public_id not in raw


def test_the_owner_sees_everything(gql_for, two_buyers):
    bob = gql_for(two_buyers["bob"])

    order = bob(f'{{ order(orderId: "{two_buyers["order"].order_id}") {NESTED} }}')["order"]

    assert order["totalAmount"] == 7_000 and len(order["items"]) == 2
    assert order["payments"][0]["events"][0]["kind"] == "verified"


def test_a_seller_sees_only_its_lines_and_never_the_payment(gql_for, two_buyers):
    shop = gql_for(two_buyers["shop"].user)
    order_id = two_buyers["order"].order_id

    direct = shop(f'{{ order(orderId: "{order_id}") {NESTED} }}')["order"]
    listed = shop(f"{{ sellerOrders(first: 10) {{ edges {{ node {NESTED} }} }} }}")["sellerOrders"]["edges"]
    payment = shop(f'{{ payment(id: "{two_buyers["payment"].public_id}") {{ paymentId }} }}')

    for node in (direct, listed[0]["node"]):
        assert [item["seller"]["name"] for item in node["items"]] == ["shop"]
        assert node["payments"] == [] and node["totalAmount"] is None
    assert payment == {"payment": None}
    raw = shop.raw(f'{{ order(orderId: "{order_id}") {NESTED} }}').content.decode()
    assert two_buyers["payment"].receipt_id not in raw and "other-shop" not in raw


def test_staff_see_everything(gql_for, make_user, two_buyers):
    staff = gql_for(make_user("ops", is_staff=True))

    order = staff(f'{{ order(orderId: "{two_buyers["order"].order_id}") {NESTED} }}')["order"]

    assert order["totalAmount"] == 7_000 and len(order["items"]) == 2 and len(order["payments"]) == 1


def test_anonymous_sees_no_orders(gql_for, two_buyers):
    anonymous = gql_for()
    assert anonymous(f'{{ order(orderId: "{two_buyers["order"].order_id}") {{ orderId }} }}') == {
        "order": None
    }
