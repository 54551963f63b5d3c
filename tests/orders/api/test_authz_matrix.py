"""Who may do what on the catalogue and order endpoints, and what each caller gets to see.

Roles (tests/orders/api/conftest.py `market`): anonymous, buyer (owns order_1 with lines from shops A and
B), other_buyer (owns order_2, shop B only), seller (shop A), other_seller (shop B), staff.
"""

import re

import pytest

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "buyer", "other_buyer", "seller", "other_seller", "staff")


def _expect(**by_role):
    """`_expect(anonymous=(401, "not_authenticated"), default=200)` → {role: (status, code)}."""
    default = by_role.pop("default")
    return {role: by_role.get(role, (default, None)) for role in ROLES}


# (name, method, path template, body, {role: (status, code or None)})
MATRIX = [
    ("products_list", "get", "/api/v1/products/", None, _expect(default=200)),
    (
        "products_retrieve_inactive",
        "get",
        "/api/v1/products/{a_hidden}/",
        None,
        _expect(
            anonymous=(404, "product_not_found"),
            buyer=(404, "product_not_found"),
            other_buyer=(404, "product_not_found"),
            other_seller=(404, "product_not_found"),
            default=200,
        ),
    ),
    (
        "products_create",
        "post",
        "/api/v1/products/",
        {"name": "new", "price": 1_000},
        _expect(
            anonymous=(401, "not_authenticated"),
            buyer=(403, "permission_denied"),
            other_buyer=(403, "permission_denied"),
            staff=(403, "permission_denied"),
            default=201,
        ),
    ),
    (
        "products_update",
        "patch",
        "/api/v1/products/{a1}/",
        {"stock": 5},
        _expect(
            anonymous=(401, "not_authenticated"),
            buyer=(403, "permission_denied"),
            other_buyer=(403, "permission_denied"),
            other_seller=(404, "product_not_found"),
            default=200,
        ),
    ),
    (
        "orders_list",
        "get",
        "/api/v1/orders/",
        None,
        _expect(anonymous=(401, "not_authenticated"), default=200),
    ),
    (
        "orders_retrieve_1",
        "get",
        "/api/v1/orders/{order_1}/",
        None,
        _expect(anonymous=(401, "not_authenticated"), other_buyer=(404, "order_not_found"), default=200),
    ),
    (
        "orders_retrieve_2",
        "get",
        "/api/v1/orders/{order_2}/",
        None,
        _expect(
            anonymous=(401, "not_authenticated"),
            buyer=(404, "order_not_found"),
            seller=(404, "order_not_found"),
            default=200,
        ),
    ),
    (
        "orders_create",
        "post",
        "/api/v1/orders/",
        {"items": [{"product_id": "{a1}", "quantity": 1}]},
        _expect(anonymous=(401, "not_authenticated"), default=201),
    ),
    (
        "orders_cancel",
        "post",
        "/api/v1/orders/{order_1}/cancel/",
        None,
        _expect(
            anonymous=(401, "not_authenticated"),
            other_buyer=(404, "order_not_found"),
            seller=(403, "permission_denied"),
            other_seller=(403, "permission_denied"),
            staff=(403, "permission_denied"),
            default=200,
        ),
    ),
]


def _names(market) -> dict:
    return {
        "a1": market.a1.pk,
        "a_hidden": market.a_hidden.pk,
        "order_1": market.order_1.order_id,
        "order_2": market.order_2.order_id,
    }


def _fill(value, names):
    if isinstance(value, str):
        if re.fullmatch(r"\{\w+\}", value):
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(method, path, body, expected, id=name) for name, method, path, body, expected in MATRIX],
)
def test_status_and_code_for_each_role(as_role, market, role, method, path, body, expected):
    names = _names(market)
    client = as_role(role)
    call = getattr(client, method)
    response = (
        call(_fill(path, names), _fill(body, names), format="json") if body else call(_fill(path, names))
    )

    status, code = expected[role]
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code


# Order ids and order-line ids each caller may see; nothing else of an order may reach it.
VISIBLE = {
    "anonymous": (set(), set()),
    "buyer": ({"order_1"}, {"order_1.a1", "order_1.b1"}),
    "other_buyer": ({"order_2"}, {"order_2.b1"}),
    "seller": ({"order_1"}, {"order_1.a1"}),
    "other_seller": ({"order_1", "order_2"}, {"order_1.b1", "order_2.b1"}),
    "staff": ({"order_1", "order_2"}, {"order_1.a1", "order_1.b1", "order_2.b1"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_no_response_carries_another_users_orders_or_lines(as_role, market, role):
    client = as_role(role)
    orders = {"order_1": market.order_1, "order_2": market.order_2}
    lines = {
        f"{name}.{code}": item.pk
        for name, order in orders.items()
        for item in order.items.all()
        for code in ("a1", "b1")
        if item.product_id == getattr(market, code).pk
    }
    responses = [client.get("/api/v1/orders/"), client.get("/api/v1/orders/", {"page_size": 100})]
    responses += [client.get(f"/api/v1/orders/{order.order_id}/") for order in orders.values()]
    responses += [client.get("/api/v1/products/"), client.get(f"/api/v1/products/{market.a_hidden.pk}/")]
    shown_orders, shown_lines = set(), set()
    for response in responses:
        for order in _orders_in(response.json()):
            shown_orders.add(
                next(name for name, known in orders.items() if known.order_id == order["order_id"])
            )
            shown_lines |= {
                name for name, pk in lines.items() if pk in {item["id"] for item in order["items"]}
            }
            if order["viewer_role"] == "seller":
                assert order["total_amount"] is None and order["tax_free_amount"] is None
                assert order["seller_total"] == sum(item["line_total"] for item in order["items"])
        text = response.content.decode()
        for name, order in orders.items():
            if name not in VISIBLE[role][0]:
                assert order.order_id not in text

    assert (shown_orders, shown_lines) == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_product_appears_only_to_its_seller_and_staff(as_role, market, role):
    client = as_role(role)
    listed = {
        product["id"] for product in client.get("/api/v1/products/", {"page_size": 100}).json()["results"]
    }
    detail = client.get(f"/api/v1/products/{market.a_hidden.pk}/")

    may_see = role in ("seller", "staff")
    assert (market.a_hidden.pk in listed) is may_see
    assert (detail.status_code == 200) is may_see
    if not may_see:
        assert market.a_hidden.name not in detail.content.decode()


def _orders_in(body) -> list[dict]:
    if isinstance(body, dict) and "results" in body:
        return [item for item in body["results"] if "order_id" in item]
    if isinstance(body, dict) and "order_id" in body:
        return [body]
    return []
