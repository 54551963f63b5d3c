from datetime import timedelta

import pytest

from config.errors import DomainError, ErrorCode
from orders.models import Order, Product
from orders.services import OrderLine, order_create
from payments.identity.models import IdentityVerification

pytestmark = pytest.mark.django_db


def test_an_adult_only_order_without_verification_is_refused_before_stock_is_reserved(buyer, make_product):
    adult_only = make_product(stock=5, adult_only=True)
    ordinary = make_product(stock=5)

    with pytest.raises(DomainError) as excinfo:
        order_create(buyer=buyer, lines=[OrderLine(ordinary.pk, 2), OrderLine(adult_only.pk, 1)])

    assert excinfo.value.code == ErrorCode.ADULT_VERIFICATION_REQUIRED
    assert excinfo.value.details == {"product_ids": [adult_only.pk]}
    assert not Order.objects.exists()
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [5, 5]


def test_a_verified_adult_orders_it(buyer, make_product, verified_adult):
    verified_adult(buyer)
    product = make_product(stock=5, adult_only=True)

    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    assert order.status == Order.Status.PENDING_PAYMENT
    assert Product.objects.get(pk=product.pk).stock == 4


def test_a_verified_minor_is_refused(buyer, make_product, verified_adult, born_years_ago):
    verified_adult(buyer, birth=born_years_ago(18, month=1, day=1))
    product = make_product(stock=5, adult_only=True)

    with pytest.raises(DomainError) as excinfo:
        order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    assert excinfo.value.code == ErrorCode.ADULT_VERIFICATION_REQUIRED
    assert Product.objects.get(pk=product.pk).stock == 5


def test_a_verification_past_its_ttl_no_longer_counts(buyer, make_product, verified_adult):
    verification = verified_adult(buyer)
    product = make_product(stock=5, adult_only=True)
    IdentityVerification.objects.filter(pk=verification.pk).update(
        verified_at=verification.verified_at - timedelta(days=366),
        expires_at=verification.verified_at - timedelta(days=1),
    )

    with pytest.raises(DomainError) as excinfo:
        order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    assert excinfo.value.code == ErrorCode.ADULT_VERIFICATION_REQUIRED


def test_ordinary_products_need_no_verification(buyer, make_product):
    product = make_product(stock=5)

    assert order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)]).pk
