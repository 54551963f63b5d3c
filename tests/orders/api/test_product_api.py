"""Catalogue endpoints: list, detail, create, update."""

import pytest

from orders.models import Product
from orders.services import PRODUCT_MAX_PRICE

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [product["id"] for product in response.json()["results"]]


# --- GET /api/v1/products/ ------------------------------------------------------------------------


def test_anyone_lists_active_products_paginated(api_client, market):
    response = api_client.get("/api/v1/products/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    assert ids(response) == [market.a1.pk, market.b1.pk]
    first = body["results"][0]
    assert first == {
        "id": market.a1.pk,
        "seller_id": market.shop_a.pk,
        "seller_name": "alpha-shop",
        "name": market.a1.name,
        "price": 10_000,
        "is_tax_free": False,
        "stock": 48,  # 2 reserved by order_1
        "is_active": True,
        "adult_only": False,
        "subscription_interval": None,  # not sold by subscription
        "trial_days": 0,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
    }


def test_page_size_is_honoured_up_to_100_and_a_page_past_the_end_is_not_found(api_client, make_product):
    seller_products = [make_product() for _ in range(3)]

    page = api_client.get("/api/v1/products/", {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 1 and page["previous"] is not None
    assert page["results"][0]["id"] == seller_products[2].pk

    too_far = api_client.get("/api/v1/products/", {"page": 9})
    assert too_far.status_code == 404
    assert too_far.json()["code"] == "not_found"


def test_default_page_is_20_and_page_size_is_capped_at_100(api_client, make_seller, make_product):
    shop = make_seller()
    Product.objects.bulk_create(
        Product(seller=shop, name=f"p{i}", price=1_000 + i, stock=1) for i in range(105)
    )

    assert len(api_client.get("/api/v1/products/").json()["results"]) == 20
    assert len(api_client.get("/api/v1/products/", {"page_size": 500}).json()["results"]) == 100


def test_filters_by_seller_price_range_and_tax_status(api_client, market):
    def listed(**params):
        return ids(api_client.get("/api/v1/products/", params))

    assert listed(seller=market.shop_b.pk) == [market.b1.pk]
    assert listed(min_price=20_000) == [market.b1.pk]
    assert listed(max_price=20_000) == [market.a1.pk]
    assert listed(min_price=10_000, max_price=30_000) == [market.a1.pk, market.b1.pk]
    assert listed(is_tax_free="true") == [market.b1.pk]
    assert listed(is_tax_free="false") == [market.a1.pk]


def test_ordering_by_price_and_creation(api_client, market):
    assert ids(api_client.get("/api/v1/products/", {"ordering": "-price"})) == [market.b1.pk, market.a1.pk]
    assert ids(api_client.get("/api/v1/products/", {"ordering": "price"})) == [market.a1.pk, market.b1.pk]
    assert ids(api_client.get("/api/v1/products/", {"ordering": "-created"})) == [market.b1.pk, market.a1.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "cheap"},
        {"max_price": "1.5"},
        {"seller": "0"},
        {"ordering": "stock"},
        {"min_price": "-1"},
    ],
)
def test_bad_filter_values_are_validation_errors_naming_the_parameter(api_client, market, params):
    response = api_client.get("/api/v1/products/", params)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["details"]["fields"]) == set(params)


def test_a_seller_also_lists_its_own_inactive_products_and_staff_all(as_role, market):
    assert market.a_hidden.pk in ids(as_role("seller").get("/api/v1/products/"))
    assert market.a_hidden.pk in ids(as_role("staff").get("/api/v1/products/"))
    for role in ("anonymous", "buyer", "other_seller"):
        assert market.a_hidden.pk not in ids(as_role(role).get("/api/v1/products/")), role


# --- GET /api/v1/products/{id}/ -------------------------------------------------------------------


def test_anyone_gets_an_active_product(api_client, market):
    response = api_client.get(f"/api/v1/products/{market.b1.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == market.b1.pk and response.json()["is_tax_free"] is True


def test_unknown_product_is_product_not_found(api_client, market):
    response = api_client.get("/api/v1/products/999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 404), ("buyer", 404), ("other_seller", 404), ("seller", 200), ("staff", 200)],
)
def test_an_inactive_product_exists_only_for_its_seller_and_staff(as_role, market, role, status):
    response = as_role(role).get(f"/api/v1/products/{market.a_hidden.pk}/")

    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "product_not_found"


# --- POST /api/v1/products/ -----------------------------------------------------------------------


def test_a_seller_lists_a_product_in_its_own_shop(as_role, market):
    response = as_role("seller").post(
        "/api/v1/products/",
        {"name": "감귤 5kg", "price": 25_000, "is_tax_free": True, "stock": 7},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["seller_id"] == market.shop_a.pk and body["is_active"] is True
    product = Product.objects.get(pk=body["id"])
    assert (product.seller, product.price, product.stock, product.is_tax_free) == (
        market.shop_a,
        25_000,
        7,
        True,
    )


def test_defaults_when_optional_fields_are_left_out(as_role, market):
    body = as_role("seller").post("/api/v1/products/", {"name": "x", "price": 1}, format="json").json()

    assert (body["stock"], body["is_active"], body["is_tax_free"]) == (0, True, False)
    assert body["subscription_interval"] is None


def test_a_seller_sells_its_product_by_subscription_and_stops(as_role, market):
    seller = as_role("seller")
    body = seller.post(
        "/api/v1/products/", {"name": "원두", "price": 9_900, "subscription_interval": "month"}, format="json"
    ).json()
    assert body["subscription_interval"] == "month"
    path = f"/api/v1/products/{body['id']}/"

    assert (
        seller.patch(path, {"subscription_interval": "week"}, format="json").json()["subscription_interval"]
        == "week"
    )
    assert (
        seller.patch(path, {"subscription_interval": None}, format="json").json()["subscription_interval"]
        is None
    )
    assert Product.objects.get(pk=body["id"]).subscription_interval == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": 1_000}, "name"),
        ({"name": "", "price": 1_000}, "name"),
        ({"name": "x" * 201, "price": 1_000}, "name"),
        ({"name": "x"}, "price"),
        ({"name": "x", "price": 0}, "price"),
        ({"name": "x", "price": PRODUCT_MAX_PRICE + 1}, "price"),
        ({"name": "x", "price": "ten"}, "price"),
        ({"name": "x", "price": 1, "stock": -1}, "stock"),
        ({"name": "x\x00", "price": 1}, "name"),
        ({"name": "x", "price": 1, "subscription_interval": "daily"}, "subscription_interval"),
        ({"name": "x", "price": 1, "subscription_interval": 30}, "subscription_interval"),
    ],
)
def test_invalid_products_are_refused_field_by_field(as_role, market, payload, field):
    response = as_role("seller").post("/api/v1/products/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]["fields"]


def test_a_price_above_the_order_cap_is_refused_on_create_and_change(as_role, market, settings):
    settings.ORDER_MAX_TOTAL_AMOUNT = 50_000
    seller = as_role("seller")

    created = seller.post("/api/v1/products/", {"name": "x", "price": 50_001}, format="json")
    changed = seller.patch(f"/api/v1/products/{market.a1.pk}/", {"price": 50_001}, format="json")

    for response in (created, changed):
        assert (response.status_code, response.json()["code"]) == (400, "validation_error")
        assert list(response.json()["details"]["fields"]) == ["price"]
    assert Product.objects.get(pk=market.a1.pk).price == 10_000


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("buyer", 403, "permission_denied"),
        ("staff", 403, "permission_denied"),
    ],
)
def test_only_sellers_create_products(as_role, market, role, status, code):
    before = Product.objects.count()

    response = as_role(role).post("/api/v1/products/", {"name": "x", "price": 1_000}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Product.objects.count() == before


def test_a_seller_marks_a_product_adult_only_on_create_and_change(as_role, market):
    seller = as_role("seller")

    created = seller.post(
        "/api/v1/products/", {"name": "x", "price": 1_000, "adult_only": True}, format="json"
    )
    changed = seller.patch(f"/api/v1/products/{market.a1.pk}/", {"adult_only": True}, format="json")

    assert created.status_code == 201 and created.json()["adult_only"] is True
    assert changed.status_code == 200 and changed.json()["adult_only"] is True
    assert as_role("anonymous").get(f"/api/v1/products/{market.a1.pk}/").json()["adult_only"] is True


# --- PATCH /api/v1/products/{id}/ -----------------------------------------------------------------


def test_the_owner_changes_only_the_fields_sent(as_role, market):
    response = as_role("seller").patch(
        f"/api/v1/products/{market.a1.pk}/", {"price": 12_000, "is_active": False}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["is_active"]) == (12_000, False)
    product = Product.objects.get(pk=market.a1.pk)
    assert (product.price, product.is_active, product.name, product.stock) == (
        12_000,
        False,
        market.a1.name,
        48,
    )


def test_staff_may_change_any_product(as_role, market):
    response = as_role("staff").patch(f"/api/v1/products/{market.b1.pk}/", {"stock": 0}, format="json")

    assert response.status_code == 200
    assert Product.objects.get(pk=market.b1.pk).stock == 0


def test_an_empty_patch_changes_nothing(as_role, market):
    response = as_role("seller").patch(f"/api/v1/products/{market.a_hidden.pk}/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False


@pytest.mark.parametrize("payload", [{"price": 0}, {"stock": -5}, {"name": ""}, {"is_active": "maybe"}])
def test_invalid_changes_are_refused(as_role, market, payload):
    response = as_role("seller").patch(f"/api/v1/products/{market.a1.pk}/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert Product.objects.get(pk=market.a1.pk).price == 10_000


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("buyer", 403, "permission_denied"),
        ("other_buyer", 403, "permission_denied"),
        ("other_seller", 404, "product_not_found"),
    ],
)
def test_no_one_else_changes_a_product(as_role, market, role, status, code):
    response = as_role(role).patch(f"/api/v1/products/{market.a1.pk}/", {"price": 1}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Product.objects.get(pk=market.a1.pk).price == 10_000


def test_patching_an_unknown_product_is_product_not_found(as_role, market):
    response = as_role("seller").patch("/api/v1/products/999999/", {"price": 1}, format="json")

    assert (response.status_code, response.json()["code"]) == (404, "product_not_found")
