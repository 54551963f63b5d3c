"""orders/services/products.py: product_create, product_update (rules the REST tests cannot reach)."""

import pytest

from config.errors import DomainError, ErrorCode
from orders.models import Product
from orders.services import product_create, product_update

pytestmark = pytest.mark.django_db


def test_a_product_is_created_in_the_actors_own_shop(make_seller):
    shop = make_seller()

    product = product_create(actor=shop.user, name="tea", price=9_000, stock=3)

    assert (product.seller, product.price, product.stock, product.is_active) == (shop, 9_000, 3, True)


def test_someone_without_a_shop_cannot_create_a_product(make_user):
    with pytest.raises(DomainError) as error:
        product_create(actor=make_user(is_staff=True), name="tea", price=9_000)

    assert error.value.code == ErrorCode.PERMISSION_DENIED
    assert Product.objects.count() == 0


def test_only_editable_fields_can_be_changed(make_product):
    product = make_product()

    with pytest.raises(DomainError) as error:
        product_update(product_id=product.pk, actor=product.seller.user, seller_id=999)

    assert error.value.code == ErrorCode.VALIDATION_ERROR
    assert error.value.details == {"fields": {"seller_id": ["cannot be changed"]}}


def test_out_of_range_values_are_refused_before_the_database(make_product):
    product = make_product()

    with pytest.raises(DomainError) as error:
        product_update(product_id=product.pk, actor=product.seller.user, stock=10**12)

    assert error.value.code == ErrorCode.VALIDATION_ERROR
    assert Product.objects.get(pk=product.pk).stock == 10


def test_a_price_above_the_order_cap_is_refused_on_create_and_update(make_seller, settings):
    # a product priced above ORDER_MAX_TOTAL_AMOUNT could never be ordered
    settings.ORDER_MAX_TOTAL_AMOUNT = 50_000
    shop = make_seller()

    with pytest.raises(DomainError) as on_create:
        product_create(actor=shop.user, name="tea", price=50_001)
    product = product_create(actor=shop.user, name="tea", price=50_000)
    with pytest.raises(DomainError) as on_update:
        product_update(product_id=product.pk, actor=shop.user, price=50_001)

    for error in (on_create.value, on_update.value):
        assert error.code == ErrorCode.VALIDATION_ERROR and list(error.details["fields"]) == ["price"]
    assert Product.objects.get().price == 50_000
