"""The orders admin: orders shown with their lines and payments (never edited), the catalogue managed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, OrderItem, Product, Seller
from payments.models import Payment
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def paid_order(buyer, make_order, pay_at_pg):
    order = make_order(prices=(10_000, 5_000))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    return order, payment


def order_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def listed(client, url: str, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_order_page_shows_its_lines_and_links_its_payments(staff_client, paid_order):
    order, payment = paid_order

    page = staff_client.get(order_url(order)).content.decode()

    for item in order.items.all():
        assert item.product_name in page
    assert payment.receipt_id in page
    assert reverse("admin:payments_payment_change", args=[payment.pk]) in page
    # Read only: no inputs for the order, its lines or its payments.
    editable = r'<(input(?![^>]*type="hidden")|select|textarea)[^>]+name="{}'
    assert not re.search(editable.format(r"(items|payments)-\d+-"), page)
    assert not re.search(editable.format("(total_amount|tax_free_amount|status)"), page)


def test_an_order_cannot_be_changed_added_or_deleted(staff_client, paid_order):
    order, payment = paid_order
    line = order.items.first()
    data = {
        "total_amount": "1",
        "status": "pending_payment",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-0-id": str(line.pk),
        "items-0-unit_price": "1",
    }

    assert staff_client.post(order_url(order), data).status_code == 403
    assert staff_client.get(reverse("admin:orders_order_add")).status_code == 403
    delete = reverse("admin:orders_order_delete", args=[order.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403

    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.total_amount, order.status) == (15_000, "paid")
    assert line.unit_price == 10_000
    assert Payment.objects.get(pk=payment.pk).amount == 15_000


def test_order_search_and_filters(staff_client, paid_order, make_user, make_order):
    order, payment = paid_order
    dave = make_user("dave", email="dave@example.net")
    unpaid = make_order(user=dave)
    seller = unpaid.items.get().seller.name
    url = reverse("admin:orders_order_changelist")

    assert listed(staff_client, url, q=order.order_id) == [order]
    assert listed(staff_client, url, q=payment.receipt_id) == [order]
    assert listed(staff_client, url, q="dave") == [unpaid]
    assert listed(staff_client, url, q="dave@example.net") == [unpaid]
    assert listed(staff_client, url, q=seller) == [unpaid]
    assert listed(staff_client, url, q=order.items.first().seller.name) == [order]
    assert sorted(listed(staff_client, url, q="shop"), key=lambda o: o.pk) == [order, unpaid]  # no duplicates
    assert listed(staff_client, url, status="paid") == [order]
    assert listed(staff_client, url, status="pending_payment") == [unpaid]
    year = order.created_at.year
    assert set(listed(staff_client, url, created_at__year=year)) == {order, unpaid}
    assert listed(staff_client, url, created_at__year=year + 1) == []


def test_products_and_sellers_are_managed_here(staff_client, make_user, make_seller):
    seller = make_seller("acme")
    owner = make_user("newshop-owner")

    response = staff_client.post(reverse("admin:orders_seller_add"), {"user": owner.pk, "name": "newshop"})
    assert response.status_code == 302
    assert Seller.objects.filter(name="newshop", user=owner).exists()

    add = {
        "seller": seller.pk,
        "name": "mug",
        "price": "12000",
        "stock": "5",
        "is_active": "on",
        "trial_days": "0",
    }
    assert staff_client.post(reverse("admin:orders_product_add"), add).status_code == 302
    product = Product.objects.get(name="mug")
    change = reverse("admin:orders_product_change", args=[product.pk])
    assert staff_client.post(change, add | {"price": "13000"}).status_code == 302
    product.refresh_from_db()
    assert product.price == 13_000

    assert listed(staff_client, reverse("admin:orders_product_changelist"), q="acme") == [product]
    assert listed(staff_client, reverse("admin:orders_seller_changelist"), q="newshop") == [
        Seller.objects.get(name="newshop")
    ]


def test_a_product_price_below_one_won_is_refused(staff_client, make_seller):
    seller = make_seller()
    add = {"seller": seller.pk, "name": "free", "price": "0", "stock": "1"}

    response = staff_client.post(reverse("admin:orders_product_add"), add)

    assert response.status_code == 200
    assert "product_price_positive" in str(response.context["adminform"].form.errors)
    assert not Product.objects.filter(name="free").exists()


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_only_staff_get_anything(client, paid_order, buyer, who):
    order, _ = paid_order
    if who == "buyer":
        client.force_login(buyer)
    product = Product.objects.first()
    urls = [
        reverse("admin:orders_order_changelist"),
        order_url(order),
        reverse("admin:orders_product_changelist"),
        reverse("admin:orders_product_change", args=[product.pk]),
        reverse("admin:orders_product_add"),
        reverse("admin:orders_seller_changelist"),
    ]
    for url in urls:
        for response in (client.get(url), client.post(url, {"price": "1", "name": "x"})):
            assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), url
    product.refresh_from_db()
    assert product.price == 10_000


@pytest.mark.parametrize(
    "url_name",
    ["admin:orders_order_changelist", "admin:orders_product_changelist", "admin:orders_seller_changelist"],
)
def test_changelists_do_not_query_per_row(staff_client, make_order, django_assert_max_num_queries, url_name):
    url = reverse(url_name)
    make_order(prices=(1_000, 2_000))
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    for index in range(30):
        make_order(prices=(1_000 + index, 500))

    with django_assert_max_num_queries(len(few.captured_queries)):
        many = staff_client.get(url)

    assert len(many.context["cl"].result_list) >= 31


def test_the_order_page_costs_a_fixed_number_of_queries(
    staff_client, make_order, django_assert_max_num_queries
):
    order = make_order(prices=tuple(1_000 + index for index in range(20)))
    assert OrderItem.objects.filter(order=order).count() == 20

    with django_assert_max_num_queries(15):
        assert staff_client.get(order_url(order)).status_code == 200
