"""The optimizer keeps nested lists from costing a query per row."""

import pytest

from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db

MY_ORDERS = """{ myOrders(first: 50) { totalCount edges { node {
  orderId status totalAmount
  items { productName quantity product { name price seller { name } } }
  payments { paymentId status cancellations { amount state } cashReceipt { status amount } }
} } } }"""


@pytest.fixture
def orders_with_payments(buyer, make_user, make_order, pay_at_pg):
    staff = make_user("ops", is_staff=True)

    def make(count: int) -> None:
        for _ in range(count):
            order = make_order(prices=(10_000, 3_000, 2_000))
            payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
            payment_cancel(payment_pk=payment.pk, actor=staff, reason="q", amount=1_000)

    return make


@pytest.mark.parametrize("count", [5, 50])
def test_my_orders_runs_a_constant_number_of_queries(
    gql_for, buyer, orders_with_payments, count, django_assert_max_num_queries
):
    orders_with_payments(count)
    client = gql_for(buyer)

    # token+user, count, the page of orders, items (product and seller joined), payments, cancellations
    with django_assert_max_num_queries(6) as captured:
        data = client(MY_ORDERS)

    assert data["myOrders"]["totalCount"] == count
    edges = data["myOrders"]["edges"]
    assert len(edges) == count and all(len(edge["node"]["items"]) == 3 for edge in edges)
    assert all(edge["node"]["payments"][0]["cancellations"][0]["amount"] == 1_000 for edge in edges)
    print(f"myOrders(first: 50) with {count} orders: {len(captured.captured_queries)} queries")


def test_order_total_count_is_capped_and_the_page_query_counts_no_whole_list(
    gql_for, buyer, make_order, monkeypatch, django_assert_num_queries
):
    import graphql_api.queries

    monkeypatch.setattr(graphql_api.queries, "LIST_COUNT_CAP", 2)
    for _ in range(4):
        make_order(prices=(1_000,))
    client = gql_for(buyer)

    # token+user, the capped count, the page of orders: no `COUNT(*) OVER ()` over every row
    with django_assert_num_queries(3) as captured:
        data = client("{ myOrders(first: 3) { totalCount edges { node { orderId } } } }")

    assert data["myOrders"]["totalCount"] == 2 and len(data["myOrders"]["edges"]) == 3
    assert not [q for q in captured.captured_queries if "OVER" in q["sql"]]


MY_SUBSCRIPTIONS = """{ mySubscriptions(first: 50) { totalCount edges { node {
  subscriptionId status interval price nextChargeAt trialEndsAt billingKeyId cardCompany cardNumberMasked
  product { name price subscriptionInterval trialDays seller { name } }
  charges { period status orderId paymentId }
  pendingPriceChange { priceChangeId newPrice consentDeadline consentedAt }
} } } }"""


@pytest.fixture
def subscriptions(buyer, make_product):
    """`count` subscriptions of the buyer on one card, each with its first period paid (in-memory Bootpay)."""
    from payments import gateway
    from payments.billing.services import billing_key_register, billing_key_request_start, subscription_create
    from tests.payments.billing.billing_fakes import FakeBootpay

    fake = FakeBootpay()
    gateway.set_gateway(fake)

    def make(count: int) -> None:
        receipt_id = fake.issue_key(billing_key_request_start(buyer=buyer).subscription_id)
        key = billing_key_register(buyer=buyer, receipt_id=receipt_id)
        for _ in range(count):
            product = make_product(price=9_900, subscription_interval="month")
            subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)

    yield make
    gateway.set_gateway(None)


@pytest.mark.parametrize("count", [5, 50])
def test_my_subscriptions_runs_a_constant_number_of_queries(
    gql_for, buyer, subscriptions, count, django_assert_max_num_queries
):
    subscriptions(count)
    client = gql_for(buyer)

    # token+user, the count, the page (products, sellers and cards joined), charges (orders joined), payments,
    # the open price changes (their change joined)
    with django_assert_max_num_queries(6) as captured:
        data = client(MY_SUBSCRIPTIONS)

    assert data["mySubscriptions"]["totalCount"] == count
    edges = data["mySubscriptions"]["edges"]
    assert len(edges) == count
    assert all(edge["node"]["charges"][0]["paymentId"].startswith("pay_") for edge in edges)
    print(f"mySubscriptions(first: 50) with {count} subscriptions: {len(captured.captured_queries)} queries")
