"""Every order is in each of its sellers' lists: the seller-list rows (`orders.SellerOrder`) are written
with the lines, in the order's transaction, by every path that creates an order."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem, SellerOrder
from orders.services import OrderLine, order_create, order_create_for_subscription, order_lines_create

pytestmark = pytest.mark.django_db


def _rows(order) -> list[tuple[int, object]]:
    return sorted(SellerOrder.objects.filter(order=order).values_list("seller_id", "created_at"))


def test_an_order_from_two_sellers_is_in_each_sellers_list_once(buyer, make_seller, make_product):
    coffee, beans = make_seller("coffee"), make_seller("beans")
    products = [make_product(seller=coffee), make_product(seller=coffee), make_product(seller=beans)]

    order = order_create(buyer=buyer, lines=[OrderLine(p.pk, 1) for p in products])

    assert _rows(order) == sorted([(coffee.pk, order.created_at), (beans.pk, order.created_at)])


def test_a_refused_order_leaves_no_row_in_any_list(buyer, make_product):
    plenty, scarce = make_product(stock=5), make_product(stock=1)

    with pytest.raises(DomainError) as refused:
        order_create(buyer=buyer, lines=[OrderLine(plenty.pk, 1), OrderLine(scarce.pk, 2)])

    assert refused.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert not SellerOrder.objects.exists()


@pytest.mark.parametrize("renewal", [False, True])
def test_a_subscription_period_is_in_its_sellers_list(buyer, make_product, renewal):
    product = make_product(price=9_900, stock=0 if renewal else 3)

    with transaction.atomic():
        order = order_create_for_subscription(
            buyer=buyer,
            product_id=product.pk,
            unit_price=9_900,
            is_tax_free=False,
            order_id=f"sub_test_{int(renewal)}",
            expires_at=timezone.now() + timedelta(days=1),
            renewal=renewal,
        )

    assert _rows(order) == [(product.seller_id, order.created_at)]


def test_lines_and_rows_are_written_in_two_statements(
    buyer, make_seller, make_product, make_order, django_assert_num_queries
):
    order = make_order()
    order.items.all().delete()
    SellerOrder.objects.filter(order=order).delete()
    products = [make_product(seller=make_seller(f"shop{n}")) for n in range(3)]
    lines = [
        OrderItem(
            order=order,
            product=p,
            seller=p.seller,
            product_name=p.name,
            quantity=1,
            unit_price=p.price,
        )
        for p in products
    ]

    with django_assert_num_queries(2):
        order_lines_create(order=order, lines=lines)

    assert _rows(order) == sorted((p.seller_id, order.created_at) for p in products)
