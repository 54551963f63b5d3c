"""GraphQL `sellerOrders` reads one page of the shop's list index, not its history: the plan checks of
tests/orders/api/test_seller_order_list_plan.py (same seeded table) on the connection's page query."""

import base64
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.graphql_api.test_keyset_connections import SELLER_ORDERS
from tests.orders.api import test_seller_order_list_plan as rest_plan
from tests.orders.api.test_seller_order_list_plan import (
    PAGE,
    _assert_reads_one_page_of_its_index,
    _page_sql,
    _shop_orders,
)

pytestmark = pytest.mark.django_db

deep_shop = rest_plan.deep_shop  # the same seeded table (a fixture)


def _graphql_cursor(order: Order) -> str:
    text = f"order:-created_at,-pk|{order.created_at.astimezone(UTC).isoformat()}|{order.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "200-rows-deep"])
def test_a_sellers_graphql_order_page_reads_a_page_of_its_index(deep_shop, gql_for, deep):
    listed = _shop_orders(deep_shop)
    start = 200 if deep else 0
    variables = {"first": PAGE}
    if deep:
        variables["after"] = _graphql_cursor(listed[start - 1])

    with CaptureQueriesContext(connection) as captured:
        page = gql_for(deep_shop.user)(SELLER_ORDERS, variables)["sellerOrders"]

    assert [edge["node"]["orderId"] for edge in page["edges"]] == [
        o.order_id for o in listed[start : start + PAGE]
    ]
    _assert_reads_one_page_of_its_index(_page_sql(captured))
