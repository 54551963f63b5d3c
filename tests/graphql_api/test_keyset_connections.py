"""The connections (`myOrders`, `sellerOrders`, `products`) page by keyset, as REST's cursor lists do.

A cursor holds its node's values of the list's ordering (and names the list), so `after`/`before` are a
range read with a LIMIT: walks in either direction see every row exactly once in order, rows created
during a walk never shift it, ties on the ordering field are broken by the pk, and `last: N` reads the
list backwards instead of counting it. The EXPLAIN test reads the plan PostgreSQL picks for a deep page.
"""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphql_api.queries import ProductOrdering
from orders.models import Order, OrderItem, Product
from orders.services import order_lines_create
from tests.orders.api.test_keyset_lists import _explain

pytestmark = pytest.mark.django_db

EXPIRES = "2030-01-01T00:00Z"
PAGE = """query($first: Int, $after: String, $last: Int, $before: String%(declared)s) {
  %(field)s(first: $first, after: $after, last: $last, before: $before%(passed)s) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { %(node)s } }
  }
}"""


_MAX_PAGES = 100


def page_query(field: str, node: str = "orderId", **arguments: str) -> str:
    declared = "".join(f", ${name}: {graphql_type}" for name, graphql_type in arguments.items())
    passed = "".join(f", {name}: ${name}" for name in arguments)
    return PAGE % {"field": field, "node": node, "declared": declared, "passed": passed}


MY_ORDERS = page_query("myOrders")
SELLER_ORDERS = page_query("sellerOrders")
PRODUCTS = page_query("products", node="id price", ordering="ProductOrdering")


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


def _node_key(node: dict) -> str:
    return node.get("orderId") or node["id"]


def _check_page(page: dict) -> list[str]:
    """The page's node keys, after checking that start/endCursor are its first and last edges' cursors."""
    edges, info = page["edges"], page["pageInfo"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
    return [_node_key(edge["node"]) for edge in edges]


def walk_forward(client, query: str, field: str, size: int, on_page=None, **variables) -> list[str]:
    seen, after, pages = [], None, 0
    while True:
        page = client(query, {"first": size, "after": after, **variables})[field]
        keys = _check_page(page)
        assert len(keys) <= size
        # the cheap rule: a page asked for with `after` says there are rows before it
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += keys
        pages += 1
        assert pages <= _MAX_PAGES, seen  # a cursor that does not move on
        if on_page:
            on_page(pages)
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        assert len(keys) == size
        after = page["pageInfo"]["endCursor"]


def walk_backward(client, query: str, field: str, size: int, **variables) -> list[str]:
    seen, before = [], None
    for _page in range(_MAX_PAGES):
        page = client(query, {"last": size, "before": before, **variables})[field]
        keys = _check_page(page)
        assert len(keys) <= size
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        seen = keys + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        assert len(keys) == size
        before = page["pageInfo"]["startCursor"]
    raise AssertionError(f"no first page after {_MAX_PAGES} pages back: a cursor that does not move on")


def _newest_first(queryset) -> list[str]:
    return list(queryset.order_by("-created_at", "-pk").values_list("order_id", flat=True))


# --- myOrders -------------------------------------------------------------------------------------------


def test_a_forward_walk_sees_every_order_once_in_order(gql_for, buyer, make_user):
    for _ in range(45):
        _order(buyer)
    _order(make_user("someone-else"))
    expected = _newest_first(Order.objects.filter(buyer=buyer))

    seen = walk_forward(gql_for(buyer), MY_ORDERS, "myOrders", 20)

    assert seen == expected and len(seen) == 45


def test_a_backward_walk_sees_every_order_once_in_order(gql_for, buyer):
    for _ in range(45):
        _order(buyer)
    expected = _newest_first(Order.objects.filter(buyer=buyer))

    assert walk_backward(gql_for(buyer), MY_ORDERS, "myOrders", 20) == expected


def test_orders_created_during_a_walk_do_not_shift_it(gql_for, buyer):
    for _ in range(45):
        _order(buyer)
    expected = _newest_first(Order.objects.filter(buyer=buyer))

    seen = walk_forward(gql_for(buyer), MY_ORDERS, "myOrders", 20, on_page=lambda _page: _order(buyer))

    assert seen == expected


def test_orders_sharing_created_at_page_by_their_pk(gql_for, buyer):
    orders = [_order(buyer) for _ in range(45)]
    moment = orders[10].created_at
    Order.objects.filter(pk__in=[o.pk for o in orders[5:30]]).update(created_at=moment)  # across pages
    expected = _newest_first(Order.objects.filter(buyer=buyer))
    client = gql_for(buyer)

    assert walk_forward(client, MY_ORDERS, "myOrders", 7) == expected
    assert walk_backward(client, MY_ORDERS, "myOrders", 7) == expected


def test_the_previous_page_from_a_cursor_is_the_same_rows(gql_for, buyer):
    for _ in range(7):
        _order(buyer)
    client = gql_for(buyer)
    first = client(MY_ORDERS, {"first": 3})["myOrders"]
    second = client(MY_ORDERS, {"first": 3, "after": first["pageInfo"]["endCursor"]})["myOrders"]

    back = client(MY_ORDERS, {"last": 3, "before": second["pageInfo"]["startCursor"]})["myOrders"]

    assert back["edges"] == first["edges"]
    assert back["pageInfo"] == first["pageInfo"] | {"hasNextPage": True, "hasPreviousPage": False}


def test_last_without_before_is_the_oldest_rows_read_backwards_with_a_limit(gql_for, buyer):
    for _ in range(12):
        _order(buyer)
    expected = _newest_first(Order.objects.filter(buyer=buyer))[-5:]
    client = gql_for(buyer)

    with CaptureQueriesContext(connection) as captured:
        page = client(MY_ORDERS, {"last": 5})["myOrders"]

    assert _check_page(page) == expected
    assert page["pageInfo"]["hasPreviousPage"] is True and page["pageInfo"]["hasNextPage"] is False
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if "COUNT(" in q.upper()], sql  # nothing counts the list
    (page_sql,) = [q for q in sql if 'FROM "orders_order"' in q]
    assert "LIMIT 6" in page_sql and "OFFSET" not in page_sql and "OVER" not in page_sql, page_sql
    assert 'ORDER BY "orders_order"."created_at" ASC, "orders_order"."id" ASC' in page_sql, page_sql


def test_first_and_last_together_take_the_last_of_the_first(gql_for, buyer):
    for _ in range(10):
        _order(buyer)
    expected = _newest_first(Order.objects.filter(buyer=buyer))
    client = gql_for(buyer)

    page = client(MY_ORDERS, {"first": 6, "last": 2})["myOrders"]

    assert _check_page(page) == expected[4:6]
    assert page["pageInfo"]["hasNextPage"] is True and page["pageInfo"]["hasPreviousPage"] is True
    empty = client(MY_ORDERS, {"first": 0})["myOrders"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True


def test_without_first_or_last_a_page_is_the_maximum_page(gql_for, buyer):
    for _ in range(5):
        _order(buyer)

    page = gql_for(buyer)("{ myOrders { pageInfo { hasNextPage } edges { cursor } } }")["myOrders"]

    assert len(page["edges"]) == 5 and page["pageInfo"]["hasNextPage"] is False


def test_a_cursor_page_is_one_limited_query_and_keeps_the_prefetches(
    gql_for, buyer, make_product, django_assert_num_queries
):
    product = make_product()
    for _ in range(30):
        _order(buyer, product)
    client = gql_for(buyer)
    query = """query($after: String) { myOrders(first: 10, after: $after) {
      pageInfo { endCursor } edges { cursor node { orderId items { productName product { name } } } } } }"""
    first = client(query)["myOrders"]

    # token+user, the page of orders, their lines (product joined): the node's createdAt is not asked
    # for, yet the cursors cost no query per row
    with django_assert_num_queries(3) as captured:
        second = client(query, {"after": first["pageInfo"]["endCursor"]})["myOrders"]

    assert len(second["edges"]) == 10 and all(edge["node"]["items"] for edge in second["edges"])
    (page_sql,) = [q["sql"] for q in captured.captured_queries if 'FROM "orders_order"' in q["sql"]]
    assert "LIMIT 11" in page_sql and "OFFSET" not in page_sql and "OVER" not in page_sql, page_sql


def test_only_total_count_runs_no_page_query(gql_for, buyer, django_assert_num_queries):
    for _ in range(3):
        _order(buyer)
    client = gql_for(buyer)

    with django_assert_num_queries(2):  # token+user, the capped count
        assert client("{ myOrders(last: 2) { totalCount } }")["myOrders"]["totalCount"] == 3


@pytest.mark.parametrize("field", ["myOrders", "sellerOrders"])
@pytest.mark.parametrize("variables", [{"first": 3}, {"last": 3}], ids=["first", "last"])
def test_anonymous_order_lists_are_refused_not_empty_pages(gql_for, buyer, field, variables):
    _order(buyer)

    body = gql_for().raw(page_query(field), variables).json()

    assert body["data"] is None  # REST's 401 (docs/api.md "Who may ask"), not a page reading "no orders"
    assert [error["extensions"]["code"] for error in body["errors"]] == ["not_authenticated"]


# --- sellerOrders ---------------------------------------------------------------------------------------


def test_a_sellers_walk_sees_the_orders_holding_its_lines(gql_for, buyer, make_seller, make_product):
    shop, other = make_seller("walk-shop"), make_seller("other-shop")
    mine, theirs = make_product(seller=shop), make_product(seller=other)
    for n in range(30):
        _order(buyer, mine if n % 3 else theirs)
    expected = _newest_first(Order.objects.filter(items__seller=shop))
    client = gql_for(shop.user)

    assert len(expected) == 20
    assert walk_forward(client, SELLER_ORDERS, "sellerOrders", 6) == expected
    assert walk_backward(client, SELLER_ORDERS, "sellerOrders", 6) == expected


# --- products -------------------------------------------------------------------------------------------


def _global_id(pk: int) -> str:
    return base64.b64encode(f"Product:{pk}".encode()).decode()


def _expected_products(ordering: ProductOrdering) -> list[str]:
    pks = Product.objects.filter(is_active=True).order_by(ordering.value, "-pk").values_list("pk", flat=True)
    return [_global_id(pk) for pk in pks]


@pytest.mark.parametrize("ordering", list(ProductOrdering), ids=lambda o: o.name)
def test_a_product_walk_follows_each_ordering_with_ties(gql_for, make_seller, make_product, ordering):
    shop = make_seller("catalogue")
    products = [make_product(seller=shop, price=(1_000, 2_000, 2_000, 3_000)[n % 4]) for n in range(23)]
    Product.objects.filter(pk__in=[p.pk for p in products[3:12]]).update(created_at=products[3].created_at)
    make_product(seller=shop, is_active=False)  # hidden from the public
    expected = _expected_products(ordering)
    client = gql_for()

    assert walk_forward(client, PRODUCTS, "products", 5, ordering=ordering.name) == expected
    assert walk_backward(client, PRODUCTS, "products", 5, ordering=ordering.name) == expected
    assert len(expected) == 23


def test_a_cursor_of_one_ordering_is_refused_under_another(gql_for, make_product):
    for price in (1_000, 2_000, 3_000):
        make_product(price=price)
    client = gql_for()
    by_price = client(PRODUCTS, {"first": 1, "ordering": "PRICE_ASC"})["products"]["pageInfo"]["endCursor"]

    response = client.raw(PRODUCTS, {"first": 1, "after": by_price, "ordering": "NEWEST"}).json()

    (error,) = response["errors"]
    assert error["extensions"]["code"] == "validation_error"
    assert list(error["extensions"]["fields"]) == ["after"]
    assert client(PRODUCTS, {"first": 1, "after": by_price, "ordering": "PRICE_ASC"})["products"]["edges"]


def test_an_order_cursor_is_refused_by_products(gql_for, buyer, make_product):
    _order(buyer, make_product())
    client = gql_for(buyer)
    cursor = client(MY_ORDERS, {"first": 1})["myOrders"]["pageInfo"]["endCursor"]

    body = client.raw(PRODUCTS, {"first": 1, "before": cursor}).json()

    assert [error["extensions"]["code"] for error in body["errors"]] == ["validation_error"]


# --- properties -----------------------------------------------------------------------------------------

MOMENTS = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=m) for m in (0, 1, 1_000_000, 7)]


def _set_created_at(model, pks: list[int], moments: list[int]) -> None:
    for index in set(moments):
        chosen = [pk for pk, moment in zip(pks, moments, strict=True) if moment == index]
        model.objects.filter(pk__in=chosen).update(created_at=MOMENTS[index])


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    moments=st.lists(st.integers(0, len(MOMENTS) - 1), max_size=25),
    forward=st.integers(1, 8),
    backward=st.integers(1, 8),
)
def test_walks_of_any_page_size_see_the_whole_order_list(gql_for, buyer, moments, forward, backward):
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(buyer=buyer, order_name="x", total_amount=1_000, expires_at=EXPIRES) for _ in moments
        )
        _set_created_at(Order, [o.pk for o in orders], moments)
        expected = _newest_first(Order.objects.filter(buyer=buyer))
        client = gql_for(buyer)

        assert walk_forward(client, MY_ORDERS, "myOrders", forward) == expected
        assert walk_backward(client, MY_ORDERS, "myOrders", backward) == expected
        transaction.set_rollback(True)


@pytest.fixture
def shop(make_seller):
    return make_seller("property-shop")


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.tuples(st.integers(0, len(MOMENTS) - 1), st.sampled_from([1, 2, 500])), max_size=20),
    ordering=st.sampled_from(list(ProductOrdering)),
    forward=st.integers(1, 6),
    backward=st.integers(1, 6),
)
def test_product_walks_of_any_page_size_see_the_whole_catalogue(
    gql_for, shop, rows, ordering, forward, backward
):
    with transaction.atomic():
        products = Product.objects.bulk_create(
            Product(seller=shop, name=f"p{n}", price=price, stock=1)
            for n, (_moment, price) in enumerate(rows)
        )
        _set_created_at(Product, [p.pk for p in products], [moment for moment, _price in rows])
        expected = _expected_products(ordering)
        client = gql_for()

        assert walk_forward(client, PRODUCTS, "products", forward, ordering=ordering.name) == expected
        assert walk_backward(client, PRODUCTS, "products", backward, ordering=ordering.name) == expected
        transaction.set_rollback(True)


# --- EXPLAIN ----------------------------------------------------------------------------------------------


@pytest.fixture
def deep_buyer(make_user):
    """20,000 orders, 10,000 of them one buyer's (the rest over 100 others), distinct times; ANALYZEd."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    deep, others = make_user("deep-buyer"), [make_user(f"deep-other{n}") for n in range(100)]
    Order.objects.bulk_create(
        (
            Order(
                buyer=deep if n % 2 else others[n % 100],
                order_name="x",
                total_amount=1_000,
                expires_at=EXPIRES,
            )
            for n in range(20_000)
        ),
        batch_size=2_000,
    )
    table = Order._meta.db_table
    with connection.cursor() as cursor:  # newest = lowest id
        cursor.execute(f"UPDATE \"{table}\" SET created_at = now() - (id || ' seconds')::interval")
        cursor.execute(f'ANALYZE "{table}"')
    return deep


def _order_cursor(order: Order) -> str:
    """The cursor myOrders gives `order`'s edge (made here to start 5,000 rows deep without walking there)."""
    text = f"order:-created_at,-pk|{order.created_at.astimezone(UTC).isoformat()}|{order.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_deep_my_orders_page_reads_orders_through_an_index(deep_buyer, gql_for):
    client = gql_for(deep_buyer)
    mine = Order.objects.filter(buyer=deep_buyer).order_by("-created_at", "-pk")
    deep, expected = mine[4_999], _newest_first(mine)[5_000:5_010]
    assert client(MY_ORDERS, {"first": 1})["myOrders"]["edges"][0]["cursor"] == _order_cursor(mine[0])

    with CaptureQueriesContext(connection) as captured:
        page = client(MY_ORDERS, {"first": 10, "after": _order_cursor(deep)})["myOrders"]

    assert _check_page(page) == expected
    (page_sql,) = [q["sql"] for q in captured.captured_queries if 'FROM "orders_order"' in q["sql"]]
    assert "OFFSET" not in page_sql and "LIMIT 11" in page_sql, page_sql
    nodes = _explain(page_sql)
    on_orders = {kind for kind, relation in nodes if relation == Order._meta.db_table}
    assert "Seq Scan" not in on_orders and "Sort" not in {kind for kind, _relation in nodes}, nodes
    assert on_orders & {"Index Scan", "Index Only Scan", "Index Scan Backward"}, nodes
