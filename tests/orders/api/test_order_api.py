"""Order endpoints: create, list, detail, cancel."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from orders.models import Order, OrderItem, Product

pytestmark = pytest.mark.django_db

ORDER_FIELDS = {
    "order_id",
    "status",
    "viewer_role",
    "order_name",
    "total_amount",
    "tax_free_amount",
    "seller_total",
    "currency",
    "items",
    "escrow_eligible",
    "escrow",
    "cash_receipt",
    "expires_at",
    "paid_at",
    "created_at",
}
ITEM_FIELDS = {
    "id",
    "product_id",
    "product_name",
    "seller_id",
    "seller_name",
    "quantity",
    "unit_price",
    "line_total",
    "is_tax_free",
    "status",
    "shipped",
    "courier",
    "tracking_number",
    "shipped_at",
}


def order_ids(response) -> list[str]:
    return [order["order_id"] for order in response.json()["results"]]


# --- POST /api/v1/orders/ -------------------------------------------------------------------------


def test_a_buyer_orders_from_two_shops_and_amounts_come_from_our_prices(as_role, market):
    response = as_role("buyer").post(
        "/api/v1/orders/",
        {"items": [{"product_id": market.a1.pk, "quantity": 3}, {"product_id": market.b1.pk, "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == ORDER_FIELDS
    assert body["status"] == "pending_payment" and body["viewer_role"] == "buyer"
    assert body["total_amount"] == 3 * 10_000 + 30_000 and body["tax_free_amount"] == 30_000
    assert body["seller_total"] is None and body["currency"] == "KRW" and body["paid_at"] is None
    assert body["order_name"].endswith("외 1건")
    assert body["escrow_eligible"] is False and body["escrow"] is None  # two shops: no escrow
    order = Order.objects.get(order_id=body["order_id"])
    assert order.buyer == market.users["buyer"]
    assert [set(item) for item in body["items"]] == [ITEM_FIELDS, ITEM_FIELDS]
    first = body["items"][0]
    assert (first["product_id"], first["seller_id"], first["seller_name"]) == (
        market.a1.pk,
        market.shop_a.pk,
        "alpha-shop",
    )
    assert (
        first["quantity"],
        first["unit_price"],
        first["line_total"],
        first["status"],
        first["shipped"],
    ) == (
        3,
        10_000,
        30_000,
        "pending_payment",
        False,
    )
    assert Product.objects.get(pk=market.a1.pk).stock == 50 - 2 - 3


def test_the_same_product_twice_becomes_one_line(as_role, market):
    body = (
        as_role("buyer")
        .post(
            "/api/v1/orders/",
            {
                "items": [
                    {"product_id": market.a1.pk, "quantity": 1},
                    {"product_id": market.a1.pk, "quantity": 2},
                ]
            },
            format="json",
        )
        .json()
    )

    assert [(item["product_id"], item["quantity"]) for item in body["items"]] == [(market.a1.pk, 3)]


def test_a_seller_may_buy_from_another_shop_and_sees_it_as_its_buyer(as_role, market):
    response = as_role("seller").post(
        "/api/v1/orders/", {"items": [{"product_id": market.b1.pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["viewer_role"] == "buyer" and response.json()["total_amount"] == 30_000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "items"),
        ({"items": []}, "items"),
        ({"items": "a1"}, "items"),
        ({"items": [{"product_id": 1}]}, "items[0].quantity"),
        ({"items": [{"product_id": "x", "quantity": 1}]}, "items[0].product_id"),
        ({"items": [{"product_id": 0, "quantity": 1}]}, "items[0].product_id"),
        ({"items": [{"product_id": 2**70, "quantity": 1}]}, "items[0].product_id"),
        ({"items": [{"product_id": 1, "quantity": 0}]}, "items[0].quantity"),
        ({"items": [{"product_id": 1, "quantity": settings.ORDER_MAX_QUANTITY + 1}]}, "items[0].quantity"),
        ({"items": [{"product_id": 1, "quantity": 1.5}]}, "items[0].quantity"),
        (
            {"items": [{"product_id": i, "quantity": 1} for i in range(1, settings.ORDER_MAX_LINES + 2)]},
            "items",
        ),
    ],
)
def test_malformed_orders_are_validation_errors_never_500(as_role, market, payload, field):
    response = as_role("buyer").post("/api/v1/orders/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]["fields"]
    assert Order.objects.count() == 2


def test_too_many_units_of_one_product_across_lines_is_the_services_validation_error(as_role, market):
    half = settings.ORDER_MAX_QUANTITY // 2 + 1
    line = {"product_id": market.a1.pk, "quantity": half}

    response = as_role("buyer").post("/api/v1/orders/", {"items": [line, line]}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


def test_an_unknown_product_is_product_not_found(as_role, market):
    response = as_role("buyer").post(
        "/api/v1/orders/", {"items": [{"product_id": 999_999, "quantity": 1}]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (404, "product_not_found")
    assert response.json()["details"] == {"product_ids": [999_999]}


def test_an_inactive_product_is_product_unavailable(as_role, market):
    response = as_role("buyer").post(
        "/api/v1/orders/", {"items": [{"product_id": market.a_hidden.pk, "quantity": 1}]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "product_unavailable")


def test_more_than_the_stock_is_insufficient_stock_and_nothing_is_reserved(as_role, market):
    response = as_role("buyer").post(
        "/api/v1/orders/",
        {
            "items": [
                {"product_id": market.a1.pk, "quantity": 1},
                {"product_id": market.b1.pk, "quantity": 99},
            ]
        },
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert Product.objects.get(pk=market.a1.pk).stock == 48


def test_an_order_above_the_total_cap_is_refused_before_any_stock_is_reserved(as_role, market, make_product):
    # 3 × 1,000,000,000 won: storable, but beyond GraphQL's 32-bit Int (ORDER_MAX_TOTAL_AMOUNT by default)
    bulk = make_product(seller=market.shop_a, price=1_000_000_000, stock=10)

    response = as_role("buyer").post(
        "/api/v1/orders/", {"items": [{"product_id": bulk.pk, "quantity": 3}]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert list(response.json()["details"]["fields"]) == ["items"]
    assert Product.objects.get(pk=bulk.pk).stock == 10 and Order.objects.count() == 2


def test_anonymous_callers_cannot_order(as_role, market):
    response = as_role("anonymous").post(
        "/api/v1/orders/", {"items": [{"product_id": market.a1.pk, "quantity": 1}]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


# --- GET /api/v1/orders/ and /api/v1/orders/{order_id}/ -------------------------------------------


def test_a_buyer_sees_its_order_with_every_line_and_the_totals(as_role, market):
    body = as_role("buyer").get(f"/api/v1/orders/{market.order_1.order_id}/").json()

    assert body["viewer_role"] == "buyer"
    assert (body["total_amount"], body["tax_free_amount"], body["seller_total"]) == (50_000, 30_000, None)
    assert [item["product_id"] for item in body["items"]] == [market.a1.pk, market.b1.pk]


def test_a_seller_sees_only_its_own_lines_and_their_sum_not_the_order_total(as_role, market):
    body = as_role("seller").get(f"/api/v1/orders/{market.order_1.order_id}/").json()

    assert body["viewer_role"] == "seller"
    assert [item["product_id"] for item in body["items"]] == [market.a1.pk]
    assert (body["total_amount"], body["tax_free_amount"], body["seller_total"]) == (None, None, 20_000)


def test_staff_see_every_line_and_the_totals(as_role, market):
    body = as_role("staff").get(f"/api/v1/orders/{market.order_1.order_id}/").json()

    assert body["viewer_role"] == "staff" and body["total_amount"] == 50_000 and len(body["items"]) == 2


def test_lists_are_newest_first(as_role, market):
    assert order_ids(as_role("staff").get("/api/v1/orders/")) == [
        market.order_2.order_id,
        market.order_1.order_id,
    ]


def test_unknown_or_malformed_order_ids_are_order_not_found(as_role, market):
    # (A NUL byte never gets this far: config.middleware answers 400, see tests/config/test_middleware.py.)
    for order_id in ("ord_000000000000000000000000", "x" * 41, "ord_abc!"):
        response = as_role("buyer").get(f"/api/v1/orders/{order_id}/")
        assert (response.status_code, response.json()["code"]) == (404, "order_not_found"), order_id


def test_list_filters_by_status(as_role, market):
    Order.objects.filter(pk=market.order_2.pk).update(status=Order.Status.PAID)

    assert order_ids(as_role("staff").get("/api/v1/orders/", {"status": "paid"})) == [market.order_2.order_id]
    assert order_ids(as_role("staff").get("/api/v1/orders/", {"status": "pending_payment"})) == [
        market.order_1.order_id
    ]


def test_list_filters_by_creation_moment(as_role, market):
    now = timezone.now()
    Order.objects.filter(pk=market.order_1.pk).update(created_at=now - timedelta(days=3))

    def listed(**params):
        return order_ids(as_role("staff").get("/api/v1/orders/", params))

    yesterday = (now - timedelta(days=1)).isoformat()
    assert listed(created_after=yesterday) == [market.order_2.order_id]
    assert listed(created_before=yesterday) == [market.order_1.order_id]
    assert listed(created_after=(now - timedelta(days=4)).isoformat(), created_before=yesterday) == [
        market.order_1.order_id
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "shipped"},
        {"created_after": "yesterday"},
        {"created_before": "2026-13-01T00:00:00Z"},
        {"created_after": "0001-01-01T00:00:00+09:00"},  # before year 1 in UTC
    ],
)
def test_bad_list_filters_are_validation_errors(as_role, market, params):
    response = as_role("buyer").get("/api/v1/orders/", params)

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert set(response.json()["details"]["fields"]) == set(params)


def test_offsets_postgresql_cannot_store_are_accepted(as_role, market):
    response = as_role("staff").get("/api/v1/orders/", {"created_after": "2000-01-01T00:00:00+17:30"})

    assert response.status_code == 200 and response.json()["count"] == 2


# --- POST /api/v1/orders/{order_id}/cancel/ -------------------------------------------------------


def test_the_buyer_abandons_an_unpaid_order_and_the_stock_returns(as_role, market):
    response = as_role("buyer").post(f"/api/v1/orders/{market.order_1.order_id}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and {item["status"] for item in body["items"]} == {"cancelled"}
    assert Product.objects.get(pk=market.a1.pk).stock == 50
    assert Product.objects.get(pk=market.b1.pk).stock == 49  # order_2 still holds one


def test_cancelling_twice_is_order_not_payable(as_role, market):
    as_role("buyer").post(f"/api/v1/orders/{market.order_1.order_id}/cancel/")

    response = as_role("buyer").post(f"/api/v1/orders/{market.order_1.order_id}/cancel/")

    assert (response.status_code, response.json()["code"]) == (409, "order_not_payable")
    assert Product.objects.get(pk=market.a1.pk).stock == 50


def test_a_paid_order_cannot_be_abandoned(as_role, market):
    Order.objects.filter(pk=market.order_1.pk).update(status=Order.Status.PAID)
    OrderItem.objects.filter(order=market.order_1).update(status=OrderItem.Status.PAID)

    response = as_role("buyer").post(f"/api/v1/orders/{market.order_1.order_id}/cancel/")

    assert (response.status_code, response.json()["code"]) == (409, "order_not_payable")
    assert response.json()["details"] == {"status": "paid"}


def test_a_seller_marks_its_line_shipped_over_http(
    api_client_for, buyer, make_seller, make_product, pay_at_pg
):
    from orders.services import OrderLine, order_create
    from payments.services import payment_verify

    shop = make_seller("ship-shop")
    order = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=shop).pk, 1)])
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    line = order.items.get()
    url = f"/api/v1/orders/{order.order_id}/items/{line.pk}/ship/"

    shipped = api_client_for(shop.user).post(url)
    by_buyer = api_client_for(buyer).post(url)
    missing = api_client_for(shop.user).post(f"/api/v1/orders/{order.order_id}/items/999999/ship/")

    assert shipped.status_code == 200 and shipped.json()["items"][0]["shipped"] is True
    assert (by_buyer.status_code, by_buyer.json()["code"]) == (403, "permission_denied")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
