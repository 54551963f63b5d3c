"""A seller's order list reads one page, not the shop's history (orders.selectors.order_list_of_seller).

EXPLAIN ANALYZE of the very SQL `GET /api/v1/orders/?role=seller` sends (GraphQL `sellerOrders`:
tests/graphql_api/test_seller_orders_plan.py), on
PostgreSQL, over 20,000 orders where one shop holds lines in about 530 (some orders hold lines of two
shops; ANALYZEd; no planner setting touched): the page is a range of seller_order_recent_idx with a LIMIT,
each row's order read by its primary key, no sequential scan and no sort, and the rows read from the index
are the page's (page size + 1), first page or 200 rows deep. The seller-list rows are made by migration
0008's backfill from the lines, so the backfill is what these pages read.
"""

import importlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.keyset import keyset
from orders.models import Order, OrderItem, SellerOrder

pytestmark = pytest.mark.django_db

EXPIRES = "2030-01-01T00:00Z"
PAGE = 20
BACKFILL = importlib.import_module("orders.migrations.0008_seller_order").BACKFILL


@pytest.fixture
def deep_shop(make_product):
    """20,000 orders, a line each from one of 50 shops and every third a second line from another; the
    seller-list rows backfilled from the lines; ANALYZEd. Returns the shop of products[0]."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    products = [make_product(stock=0) for _ in range(50)]
    buyer = products[1].seller.user
    orders = Order.objects.bulk_create(
        (Order(buyer=buyer, order_name="x", total_amount=1_000, expires_at=EXPIRES) for _ in range(20_000)),
        batch_size=2_000,
    )

    def line(order, product):
        return OrderItem(
            order=order,
            product=product,
            seller_id=product.seller_id,
            product_name="p",
            quantity=1,
            unit_price=1_000,
        )

    lines = [line(order, products[n % 50]) for n, order in enumerate(orders)]
    lines += [line(order, products[(n + 7) % 50]) for n, order in enumerate(orders) if n % 3 == 0]
    OrderItem.objects.bulk_create(lines, batch_size=2_000)
    with connection.cursor() as cursor:  # distinct times, newest = highest id; then the backfill copies them
        table = Order._meta.db_table
        cursor.execute(f"UPDATE \"{table}\" SET created_at = now() - ((100000 - id) || ' seconds')::interval")
        cursor.execute(BACKFILL)
        for model in (Order, OrderItem, SellerOrder):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return products[0].seller


def _shop_orders(shop) -> list[Order]:
    """The shop's list by its definition (the orders holding its lines), newest first."""
    held = OrderItem.objects.filter(seller=shop).values("order_id")
    return list(Order.objects.filter(pk__in=held).order_by("-created_at", "-pk"))


def _plan(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    document = json.loads(document) if isinstance(document, str) else document
    nodes, todo = [], [document[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += node.get("Plans", [])
    return nodes


def _page_sql(captured: CaptureQueriesContext) -> str:
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT")
        and f'FROM "{Order._meta.db_table}"' in q["sql"]
        and SellerOrder._meta.db_table in q["sql"]
        and "COUNT(" not in q["sql"]
    ]
    return sql


def _assert_reads_one_page_of_its_index(sql: str) -> None:
    nodes = _plan(sql)
    assert f"LIMIT {PAGE + 1}" in sql and "OFFSET" not in sql, sql
    kinds = {node["Node Type"] for node in nodes}
    assert "Seq Scan" not in kinds and "Sort" not in kinds and "Incremental Sort" not in kinds, kinds
    on_links = [node for node in nodes if node.get("Relation Name") == SellerOrder._meta.db_table]
    assert [node.get("Index Name") for node in on_links] == ["seller_order_recent_idx"], on_links
    # Rows read from the list's index: the page and one more, not the shop's ~530.
    (scan,) = on_links
    assert scan["Actual Rows"] * scan["Actual Loops"] <= PAGE + 1, scan
    # Each of those rows' order by its primary key.
    on_orders = [node for node in nodes if node.get("Relation Name") == Order._meta.db_table]
    assert [node.get("Index Name") for node in on_orders] == [f"{Order._meta.db_table}_pkey"], on_orders


@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "200-rows-deep"])
def test_a_sellers_rest_order_page_reads_a_page_of_its_index(deep_shop, api_client_for, deep):
    listed = _shop_orders(deep_shop)
    start = 200 if deep else 0
    params = {"role": "seller", "page_size": PAGE}
    if deep:  # the cursor `next` carries after the shop's 200th order (made here, not walked to)
        params["cursor"] = keyset(Order, ("-created_at", "-pk")).cursor("n", listed[start - 1])

    with CaptureQueriesContext(connection) as captured:
        response = api_client_for(deep_shop.user).get("/api/v1/orders/", params)

    assert response.status_code == 200, response.content
    assert [o["order_id"] for o in response.json()["results"]] == [
        o.order_id for o in listed[start : start + PAGE]
    ]
    assert len(listed) > 500 and SellerOrder.objects.filter(seller=deep_shop).count() == len(listed)
    _assert_reads_one_page_of_its_index(_page_sql(captured))
