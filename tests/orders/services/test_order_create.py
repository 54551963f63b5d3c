import re
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Product
from orders.services import OrderLine, order_create
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


def test_totals_are_computed_from_database_prices_and_stock_is_reserved(buyer, make_seller, make_product):
    # given two sellers, one with a tax-free product
    coffee = make_product(seller=make_seller("coffee"), price=18_000, stock=5)
    tangerines = make_product(seller=make_seller("farm"), price=25_000, stock=3, is_tax_free=True)

    # when the buyer orders from both at once
    order = order_create(
        buyer=buyer, lines=[OrderLine(coffee.pk, 2), OrderLine(tangerines.pk, 1), OrderLine(coffee.pk, 1)]
    )

    # then amounts come from our prices, duplicate lines merge, and stock is held
    assert order.total_amount == 3 * 18_000 + 25_000
    assert order.tax_free_amount == 25_000
    assert order.currency == "KRW"
    assert order.status == Order.Status.PENDING_PAYMENT
    assert re.fullmatch(r"ord_[0-9a-f]{24}", order.order_id)  # opaque, not the pk
    assert order.order_name.endswith("외 1건")
    lines = {item.product_id: item for item in order.items.all()}
    assert lines[coffee.pk].quantity == 3 and lines[coffee.pk].unit_price == 18_000
    assert lines[coffee.pk].seller_id == coffee.seller_id
    assert lines[tangerines.pk].is_tax_free is True
    assert Product.objects.get(pk=coffee.pk).stock == 2
    assert Product.objects.get(pk=tangerines.pk).stock == 2
    assert timedelta(minutes=29) < order.expires_at - timezone.now() <= timedelta(minutes=30)


def test_unit_price_is_a_snapshot(buyer, make_product):
    product = make_product(price=10_000)
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    Product.objects.filter(pk=product.pk).update(price=99_000)

    item = OrderItem.objects.get(order=order)
    assert item.unit_price == 10_000
    assert Order.objects.get(pk=order.pk).total_amount == 10_000


def test_insufficient_stock_is_refused_and_nothing_is_reserved(buyer, make_product):
    plenty = make_product(stock=10)
    scarce = make_product(stock=1)

    with pytest.raises(DomainError) as error:
        order_create(buyer=buyer, lines=[OrderLine(plenty.pk, 2), OrderLine(scarce.pk, 2)])

    assert error.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert error.value.details["items"] == [{"product_id": scarce.pk, "requested": 2, "available": 1}]
    assert Product.objects.get(pk=plenty.pk).stock == 10
    assert Order.objects.count() == 0


def test_inactive_product_is_refused(buyer, make_product):
    product = make_product(is_active=False)

    with pytest.raises(DomainError) as error:
        order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    assert error.value.code == ErrorCode.PRODUCT_UNAVAILABLE
    assert Product.objects.get(pk=product.pk).stock == 10


def test_unknown_product_is_refused(buyer, make_product):
    product = make_product()

    with pytest.raises(DomainError) as error:
        order_create(buyer=buyer, lines=[OrderLine(product.pk, 1), OrderLine(product.pk + 999, 1)])

    assert error.value.code == ErrorCode.PRODUCT_NOT_FOUND
    assert error.value.details == {"product_ids": [product.pk + 999]}


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "items"),
        ([OrderLine(1, 0)], "items[0].quantity"),
        ([OrderLine(1, -3)], "items[0].quantity"),
        ([OrderLine(1, True)], "items[0].quantity"),
        ([OrderLine(0, 1)], "items[0].product_id"),
        ([OrderLine(1, 1000)], "items"),
    ],
)
def test_malformed_lines_are_validation_errors(buyer, lines, field):
    with pytest.raises(DomainError) as error:
        order_create(buyer=buyer, lines=lines)

    assert error.value.code == ErrorCode.VALIDATION_ERROR
    assert field in error.value.details["fields"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_for_the_last_unit_only_one_wins(make_user, make_product):
    # given one unit left and eight buyers pressing "pay" at the same moment
    product = make_product(stock=1)
    buyers = [make_user() for _ in range(8)]

    won, refused = run_at_once(
        *[lambda user=user: order_create(buyer=user, lines=[OrderLine(product.pk, 1)]) for user in buyers]
    )

    # then exactly one order holds the unit and stock never went negative
    assert len(won) == 1
    assert refused == [ErrorCode.INSUFFICIENT_STOCK] * (len(buyers) - 1)
    assert Product.objects.get(pk=product.pk).stock == 0
    assert OrderItem.objects.filter(product=product).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_over_shared_products_never_deadlock_or_oversell(make_user, make_product):
    # given two products ordered in opposite line order by many buyers (a classic deadlock shape)
    first, second = make_product(stock=6), make_product(stock=6)
    lines = [OrderLine(first.pk, 1), OrderLine(second.pk, 1)]

    buyers = [make_user() for _ in range(10)]

    won, refused = run_at_once(
        *[
            lambda user=user, flip=index % 2: order_create(buyer=user, lines=lines[::-1] if flip else lines)
            for index, user in enumerate(buyers)
        ]
    )

    assert len(won) == 6 and refused == [ErrorCode.INSUFFICIENT_STOCK] * 4
    assert Product.objects.get(pk=first.pk).stock == 0
    assert Product.objects.get(pk=second.pk).stock == 0


def test_an_order_total_above_the_cap_is_refused_and_reserves_nothing(buyer, make_product, settings):
    # given the default cap (GraphQL's Int maximum) and a product priced at a third of 3,000,000,000 won
    assert settings.ORDER_MAX_TOTAL_AMOUNT == 2_147_483_647
    bulk = make_product(price=1_000_000_000, stock=10)

    # when someone orders three of them
    with pytest.raises(DomainError) as error:
        order_create(buyer=buyer, lines=[OrderLine(bulk.pk, 3)])

    # then it is validation_error on items, and nothing was created or reserved
    assert error.value.code == ErrorCode.VALIDATION_ERROR
    assert list(error.value.details["fields"]) == ["items"]
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=bulk.pk).stock == 10


def test_the_cap_applies_to_the_whole_order_and_an_order_at_the_cap_is_fine(buyer, make_product, settings):
    settings.ORDER_MAX_TOTAL_AMOUNT = 50_000
    first, second = make_product(price=20_000, stock=5), make_product(price=10_000, stock=5)

    with pytest.raises(DomainError) as error:  # 20,000 × 2 + 10,000 × 2: each line fits, the sum does not
        order_create(buyer=buyer, lines=[OrderLine(first.pk, 2), OrderLine(second.pk, 2)])
    order = order_create(buyer=buyer, lines=[OrderLine(first.pk, 2), OrderLine(second.pk, 1)])

    assert error.value.details["fields"].keys() == {"items"}
    assert order.total_amount == 50_000
    assert Product.objects.get(pk=second.pk).stock == 4
