"""Lists and details cost a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderItem
from orders.services import order_lines_create

pytestmark = pytest.mark.django_db

# token lookup, the caller's shop (staff: none), the capped count, the keyset page, one prefetch of the
# visible lines with their sellers, one of the escrow payments with their registrations
ORDER_LIST_QUERIES = {"buyer": 6, "seller": 6, "staff": 5}
# token lookup, count, page (sellers joined)
PRODUCT_LIST_MAX_QUERIES = 3


@pytest.fixture
def orders_for(buyer, make_seller, make_product):
    """`orders_for(n)`: n orders of the buyer, each with a line from shop A and one from shop B."""
    shop_a, shop_b = make_seller("qa"), make_seller("qb")
    a, b = make_product(seller=shop_a, stock=0), make_product(seller=shop_b, stock=0)

    def make(count: int) -> dict:
        for _ in range(count):
            # Bulk rows: the query count is about reading them, not how they were made.
            order = Order.objects.create(
                buyer=buyer, order_name="x", total_amount=a.price + b.price, expires_at="2030-01-01T00:00Z"
            )
            order_lines_create(  # the lines and each shop's list row
                order=order,
                lines=[
                    OrderItem(
                        order=order,
                        product=p,
                        seller=p.seller,
                        product_name=p.name,
                        quantity=1,
                        unit_price=p.price,
                    )
                    for p in (a, b)
                ],
            )
        return {"buyer": buyer, "seller": shop_a.user}

    return make


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
def test_the_order_list_does_not_grow_with_its_rows(
    api_client_for, make_user, orders_for, django_assert_num_queries, count, role
):
    users = orders_for(count) | {"staff": make_user("ops", is_staff=True)}
    client = api_client_for(users[role])

    with django_assert_num_queries(ORDER_LIST_QUERIES[role]):
        response = client.get("/api/v1/orders/", {"page_size": 100})

    assert response.status_code == 200 and response.json()["count"] == count
    expected_lines = 1 if role == "seller" else 2
    assert all(len(order["items"]) == expected_lines for order in response.json()["results"])


@pytest.mark.parametrize("count", [5, 50])
def test_the_product_list_does_not_grow_with_its_rows(
    api_client, make_seller, make_product, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_product(seller=make_seller())

    with django_assert_max_num_queries(PRODUCT_LIST_MAX_QUERIES):
        response = api_client.get("/api/v1/products/", {"page_size": 100})

    assert response.json()["count"] == count


@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
def test_an_order_detail_costs_two_queries(
    api_client_for, make_user, orders_for, django_assert_num_queries, role
):
    users = orders_for(1) | {"staff": make_user("ops", is_staff=True)}
    order_id = Order.objects.get().order_id
    client = api_client_for(users[role])

    # token+user; the visible lines with their order and sellers, and whether an escrow payment exists
    # (only then is it read, with its registration: tests/payments/services/test_escrow_shipping.py)
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/orders/{order_id}/")

    assert response.status_code == 200 and response.json()["viewer_role"] == role
    assert len(response.json()["items"]) == (1 if role == "seller" else 2)
    assert (response.json()["total_amount"] is None) == (role == "seller")


def test_an_order_the_caller_may_not_see_is_not_found_in_two_queries_after_the_token(
    api_client_for, make_user, orders_for, django_assert_num_queries
):
    orders_for(1)
    order_id = Order.objects.get().order_id
    client = api_client_for(make_user("stranger"))

    with django_assert_num_queries(3):  # token+user, no visible line, no visible order
        response = client.get(f"/api/v1/orders/{order_id}/")

    assert response.status_code == 404 and response.json()["code"] == "order_not_found"


def test_the_seller_profile_is_looked_up_once_per_request(buyer, make_seller, make_product):
    from orders.selectors import Role, user_is_seller, user_role

    seller = make_seller()
    with CaptureQueriesContext(connection) as queries:
        assert [user_role(seller.user), user_role(seller.user), user_is_seller(seller.user)] == [
            Role.SELLER,
            Role.SELLER,
            True,
        ]
    assert len(queries) == 0  # known since the profile was created with this user object

    reloaded = type(seller.user).objects.get(pk=seller.user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert user_role(reloaded) == user_role(reloaded) == Role.SELLER
    assert len(queries) == 1

    assert user_role(buyer) == Role.BUYER
    from orders.models import Seller

    Seller.objects.create(user=buyer, name="new shop")
    assert user_role(buyer) == Role.SELLER  # a new profile is not hidden by the remembered answer
