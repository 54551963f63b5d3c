"""A buyer's payment list reads one page, not the buyer's history (payments.selectors.payment_list_visible).

EXPLAIN ANALYZE of the very SQL `GET /api/v1/payments/` sends, on PostgreSQL, over a table where one buyer
has 400 payments among 20,000 (a buyer's share is small; ANALYZEd; no planner setting touched): the page
is a range of payment_buyer_recent_idx with a LIMIT, no sequential scan and no sort, and the rows it reads
are the page's (page size + 1), however many payments the buyer has made, first page or deep.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.keyset import keyset
from orders.models import Order
from payments.models import Payment

pytestmark = pytest.mark.django_db

EXPIRES = "2030-01-01T00:00Z"
PAGE = 20


@pytest.fixture
def deep_buyer(make_user):
    """20,000 orders with a payment each, 400 of them one buyer's (the rest over 500 others); ANALYZEd."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    deep = make_user("deep-payer")
    others = get_user_model().objects.bulk_create(get_user_model()(username=f"payer{n}") for n in range(500))
    orders = Order.objects.bulk_create(
        (
            Order(
                buyer=deep if n % 50 == 0 else others[n % 500],
                order_name="x",
                total_amount=1_000,
                expires_at=EXPIRES,
            )
            for n in range(20_000)
        ),
        batch_size=2_000,
    )
    Payment.objects.bulk_create(  # bulk_create skips save(): the buyer copied as payment_verify does
        (Payment(order=o, buyer_id=o.buyer_id, receipt_id=f"r{o.pk}", amount=1_000) for o in orders),
        batch_size=2_000,
    )
    with connection.cursor() as cursor:
        for table in (Order._meta.db_table, Payment._meta.db_table):  # distinct times, newest = highest id
            cursor.execute(
                f"UPDATE \"{table}\" SET created_at = now() - ((100000 - id) || ' seconds')::interval"
            )
            cursor.execute(f'ANALYZE "{table}"')
    return deep


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


def _page_sql(client, params: dict) -> str:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/payments/", params)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == PAGE
    table = Payment._meta.db_table
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    return sql


@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "200-rows-deep"])
def test_a_buyers_payment_page_reads_a_page_of_its_index(deep_buyer, api_client_for, deep):
    client = api_client_for(deep_buyer)
    params = {"page_size": PAGE}
    if deep:  # the cursor `next` carries after the buyer's 200th payment (made here, not walked to)
        mine = Payment.objects.filter(order__buyer=deep_buyer).order_by("-created_at", "-pk")
        params["cursor"] = keyset(Payment, ("-created_at", "-pk")).cursor("n", mine[199])

    sql = _page_sql(client, params)
    nodes = _plan(sql)

    assert f"LIMIT {PAGE + 1}" in sql and "OFFSET" not in sql, sql
    kinds = {node["Node Type"] for node in nodes}
    assert "Seq Scan" not in kinds and "Sort" not in kinds, kinds
    on_payments = [node for node in nodes if node.get("Relation Name") == Payment._meta.db_table]
    assert [node.get("Index Name") for node in on_payments] == ["payment_buyer_recent_idx"], on_payments
    # Rows read from the payments' index: the page and one more, not the buyer's 400.
    (scan,) = on_payments
    assert scan["Actual Rows"] * scan["Actual Loops"] <= PAGE + 1, scan
    assert Payment.objects.filter(buyer=deep_buyer).count() == 400


def test_the_list_shows_a_buyer_its_own_payments_and_staff_all(api_client_for, buyer, make_user, make_order):
    mine = Payment.objects.create(order=make_order(), receipt_id="mine", amount=1_000)
    other_order = make_order(user=make_user("someone-else"))
    theirs = Payment.objects.create(order=other_order, receipt_id="theirs", amount=1_000)
    staff = make_user("ops", is_staff=True)

    assert mine.buyer_id == buyer.pk and theirs.buyer_id == other_order.buyer_id  # copied by save()
    ids = lambda client: [p["payment_id"] for p in client.get("/api/v1/payments/").json()["results"]]  # noqa: E731
    assert ids(api_client_for(buyer)) == [mine.public_id]
    assert ids(api_client_for(staff)) == [theirs.public_id, mine.public_id]
