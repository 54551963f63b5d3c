"""The order and payment lists at scale: one index-served query shape per role, keyset pages, a capped count.

The EXPLAIN tests read the plans PostgreSQL chooses for the very SQL the endpoints send, on a table seeded
large enough (and ANALYZEd) that a sequential scan would be the planner's choice without a fitting index.
No planner setting is touched.
"""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.pagination import KeysetPagination
from orders.models import Order, OrderItem, Seller, SellerOrder
from orders.services import order_lines_create
from payments.models import Payment
from tests.config.test_exception_handler import assert_envelope

pytestmark = pytest.mark.django_db

EXPIRES = "2030-01-01T00:00Z"


# --- EXPLAIN: each role's page query reads orders through an index ------------------------------------


def _plan_nodes(plan: dict) -> list[tuple[str, str | None]]:
    nodes = [(plan["Node Type"], plan.get("Relation Name"))]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


def _explain(sql: str) -> list[tuple[str, str | None]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    document = json.loads(document) if isinstance(document, str) else document
    return _plan_nodes(document[0]["Plan"])


def _page_query(client, path: str, params: dict, table: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    pages = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert pages, captured.captured_queries
    return pages[0]


@pytest.fixture
def seeded(make_user, make_product):
    """20,000 orders over 200 buyers, a line each from one of 50 shops, a payment each; ANALYZEd."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    buyers = [make_user(f"scale-buyer{n}") for n in range(200)]
    products = [make_product(stock=0) for _ in range(50)]
    orders = Order.objects.bulk_create(
        (
            Order(buyer=buyers[n % 200], order_name="x", total_amount=1_000, expires_at=EXPIRES)
            for n in range(20_000)
        ),
        batch_size=2_000,
    )
    OrderItem.objects.bulk_create(
        (
            OrderItem(
                order=order,
                product=products[n % 50],
                seller_id=products[n % 50].seller_id,
                product_name="p",
                quantity=1,
                unit_price=1_000,
            )
            for n, order in enumerate(orders)
        ),
        batch_size=2_000,
    )
    SellerOrder.objects.bulk_create(  # each line's seller list row (as `order_lines_create` writes it)
        (
            SellerOrder(seller_id=products[n % 50].seller_id, order=order, created_at=order.created_at)
            for n, order in enumerate(orders)
        ),
        batch_size=2_000,
    )
    Payment.objects.bulk_create(
        (Payment(order=o, buyer_id=o.buyer_id, receipt_id=f"r{o.pk}", amount=1_000) for o in orders),
        batch_size=2_000,
    )
    tables = [model._meta.db_table for model in (Order, OrderItem, SellerOrder, Payment)]
    with connection.cursor() as cursor:
        for table in (Order._meta.db_table, Payment._meta.db_table):  # distinct times, newest = lowest id
            cursor.execute(f"UPDATE \"{table}\" SET created_at = now() - (id || ' seconds')::interval")
        cursor.execute(  # the seller list's copy of its order's time
            f'UPDATE "{SellerOrder._meta.db_table}" AS link SET created_at = o.created_at '
            f'FROM "{Order._meta.db_table}" AS o WHERE o.id = link.order_id'
        )
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    return {"buyer": buyers[7], "seller": products[3].seller.user, "staff": make_user("ops", is_staff=True)}


@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "cursor-page"])
def test_each_roles_order_page_reads_orders_through_an_index(seeded, api_client_for, role, deep):
    client = api_client_for(seeded[role])
    params = {}
    if deep:
        params = {"cursor": _cursor_of(client.get("/api/v1/orders/").json()["next"])}

    nodes = _explain(_page_query(client, "/api/v1/orders/", params, Order._meta.db_table))

    on_orders = {kind for kind, relation in nodes if relation == Order._meta.db_table}
    assert "Seq Scan" not in on_orders, nodes
    assert on_orders & {"Index Scan", "Index Only Scan", "Index Scan Backward"}, nodes


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_each_roles_payment_page_reads_orders_and_payments_through_indexes(seeded, api_client_for, role):
    client = api_client_for(seeded[role])

    nodes = _explain(_page_query(client, "/api/v1/payments/", {}, Payment._meta.db_table))

    assert not [n for n in nodes if n[0] == "Seq Scan"], nodes
    # Payments through their own list index (tests/payments/api/test_payment_list_plan.py bounds the rows),
    # each page row's order by its primary key.
    index_reads = {"Index Scan", "Index Only Scan", "Index Scan Backward"}
    read = {relation for kind, relation in nodes if kind in index_reads}
    assert read >= {Order._meta.db_table, Payment._meta.db_table}, nodes


# --- Roles ------------------------------------------------------------------------------------------


def _order(buyer, product=None) -> Order:
    order = Order.objects.create(buyer=buyer, order_name="x", total_amount=1_000, expires_at=EXPIRES)
    if product is not None:
        line = OrderItem(
            order=order,
            product=product,
            seller=product.seller,
            product_name="p",
            quantity=1,
            unit_price=1_000,
        )
        order_lines_create(order=order, lines=[line])  # the lines and the seller's list row, as ordering does
    return order


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [order["order_id"] for order in response.json()["results"]]


def test_each_role_lists_its_own_shape(api_client_for, buyer, make_user, make_seller, make_product):
    shop: Seller = make_seller("keyset-shop")
    sold = _order(buyer, make_product(seller=shop))
    bought = _order(shop.user, make_product())  # the seller buying from another shop
    other = _order(buyer)
    staff = make_user("ops", is_staff=True)
    seller_client, buyer_client = api_client_for(shop.user), api_client_for(buyer)

    assert _ids(seller_client.get("/api/v1/orders/")) == [sold.order_id]
    assert _ids(seller_client.get("/api/v1/orders/", {"role": "seller"})) == [sold.order_id]
    assert _ids(seller_client.get("/api/v1/orders/", {"role": "buyer"})) == [bought.order_id]
    assert _ids(buyer_client.get("/api/v1/orders/")) == [other.order_id, sold.order_id]
    assert _ids(api_client_for(staff).get("/api/v1/orders/")) == [
        other.order_id,
        bought.order_id,
        sold.order_id,
    ]
    assert _ids(api_client_for(staff).get("/api/v1/orders/", {"role": "buyer"})) == []
    seller_view = seller_client.get("/api/v1/orders/").json()["results"][0]
    assert seller_view["viewer_role"] == "seller" and seller_view["total_amount"] is None
    for client, role in ((buyer_client, "seller"), (buyer_client, "staff"), (seller_client, "staff")):
        body = assert_envelope(client.get("/api/v1/orders/", {"role": role}), 400, "validation_error")
        assert list(body["details"]["fields"]) == ["role"]


# --- Keyset pages -----------------------------------------------------------------------------------


def _cursor_of(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["cursor"][0]


def _walk(client, url: str, key: str = "next", on_page=None) -> list[str]:
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"count", "count_capped", "next", "previous", "results"}
        seen += [order["order_id"] for order in body["results"]]
        url, pages = body[key], pages + 1
        if on_page:
            on_page(pages)
    return seen


def test_a_cursor_walk_sees_every_order_once_in_order_though_orders_arrive(api_client_for, buyer):
    orders = [_order(buyer) for _ in range(45)]
    # Ties on created_at are broken by id, never repeated nor skipped.
    Order.objects.filter(pk__in=[o.pk for o in orders[10:20]]).update(created_at=orders[10].created_at)
    expected = list(Order.objects.order_by("-created_at", "-pk").values_list("order_id", flat=True))
    client = api_client_for(buyer)

    seen = _walk(client, "/api/v1/orders/?page_size=10", on_page=lambda page: _order(buyer))

    assert seen == expected


def test_a_sellers_walk_sees_each_order_holding_its_lines_once_both_ways(
    api_client_for, buyer, make_seller, make_product
):
    shop, other = make_seller("walk-shop"), make_seller("other-shop")
    mine, also_mine, theirs = make_product(seller=shop), make_product(seller=shop), make_product(seller=other)
    for n in range(30):  # some orders hold two of the shop's lines, or a line of another shop too
        order = _order(buyer)
        products = [mine if n % 3 else theirs] + ([also_mine] if n % 4 == 0 else [])
        lines = [
            OrderItem(
                order=order,
                product=product,
                seller=product.seller,
                product_name="p",
                quantity=1,
                unit_price=1_000,
            )
            for product in products
        ]
        order_lines_create(order=order, lines=lines)
    held = Order.objects.filter(pk__in=OrderItem.objects.filter(seller=shop).values("order_id"))
    # Ties on created_at (the seller's rows copy them) are broken by the order's id.
    tied = list(held.order_by("pk")[5:12])
    Order.objects.filter(pk__in=[o.pk for o in tied]).update(created_at=tied[0].created_at)
    SellerOrder.objects.filter(order__in=tied).update(created_at=tied[0].created_at)
    expected = list(held.order_by("-created_at", "-pk").values_list("order_id", flat=True))
    client = api_client_for(shop.user)

    forward = _walk(client, "/api/v1/orders/?role=seller&page_size=4")
    pages, url = [], "/api/v1/orders/?role=seller&page_size=4&page=6"  # the last page, then `previous`
    while url:
        body = client.get(url).json()
        pages.insert(0, [o["order_id"] for o in body["results"]])
        url = body["previous"]

    assert len(expected) == 23 and forward == expected
    assert [order_id for page in pages for order_id in page] == expected


def test_the_previous_link_pages_back_to_the_same_rows(api_client_for, buyer):
    for _ in range(7):
        _order(buyer)
    client = api_client_for(buyer)
    first = client.get("/api/v1/orders/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    back = client.get(second["previous"]).json()

    assert first["previous"] is None and back["results"] == first["results"]
    assert back["previous"] is None and back["next"] == first["next"]


def test_page_numbers_still_work_within_the_cap(api_client_for, buyer):
    orders = [_order(buyer) for _ in range(5)]
    client = api_client_for(buyer)

    body = client.get("/api/v1/orders/", {"page": 2, "page_size": 2}).json()

    assert [o["order_id"] for o in body["results"]] == [orders[2].order_id, orders[1].order_id]
    assert body["count"] == 5 and body["count_capped"] is False and "cursor=" in body["next"]
    assert "page=" not in body["next"]
    assert_envelope(client.get("/api/v1/orders/", {"page": 4, "page_size": 2}), 404, "not_found")
    body = assert_envelope(
        client.get("/api/v1/orders/", {"page": 101, "page_size": 100}), 400, "validation_error"
    )
    assert list(body["details"]["fields"]) == ["page"]


def test_count_is_exact_up_to_the_cap(api_client_for, buyer, monkeypatch):
    monkeypatch.setattr(KeysetPagination, "count_cap", 3)
    for _ in range(5):
        _order(buyer)

    body = api_client_for(buyer).get("/api/v1/orders/").json()

    assert (body["count"], body["count_capped"], len(body["results"])) == (3, True, 5)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/payments/"])
@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "null",
        "!!!",
        "é",
        "x" * 201,
        _b64("x|y|z"),
        _b64("n|2026-01-01T00:00:00|1"),  # no time zone
        _b64("n|0001-01-01T00:00:00+14:00|1"),  # before year 1 in UTC
        _b64("n|2026-01-01T00:00:00+00:00|0"),
        _b64(f"n|2026-01-01T00:00:00+00:00|{2**63}"),
        _b64("q|2026-01-01T00:00:00+00:00|1"),
        _b64("n|2026-01-01T00:00:00+00:00|1|2"),
        base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_malformed_cursor_is_a_validation_error(api_client_for, buyer, path, cursor):
    body = assert_envelope(api_client_for(buyer).get(path, {"cursor": cursor}), 400, "validation_error")

    assert list(body["details"]["fields"]) == ["cursor"]


def test_page_and_cursor_together_are_refused(api_client_for, buyer):
    cursor = _b64("n|2026-01-01T00:00:00+00:00|1")
    response = api_client_for(buyer).get("/api/v1/orders/", {"cursor": cursor, "page": 1})

    assert list(assert_envelope(response, 400, "validation_error")["details"]["fields"]) == ["page"]


def test_a_cursor_page_costs_the_same_queries_as_the_first(api_client_for, buyer, django_assert_num_queries):
    for _ in range(30):
        _order(buyer)
    client = api_client_for(buyer)
    next_url = client.get("/api/v1/orders/").json()["next"]

    # token, the caller's shop, capped count, keyset page, the lines, the escrow payments
    with django_assert_num_queries(6):
        assert client.get(next_url).status_code == 200
