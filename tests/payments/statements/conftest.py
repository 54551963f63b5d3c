"""Fixtures of the statement tests: multi-seller orders paid through the emulator, and period helpers."""

import pytest

from orders.models import Product
from orders.services import OrderLine, order_create
from payments.models import Payment
from payments.services import payment_verify


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


@pytest.fixture
def product_of(make_product):
    def make(seller, price, *, tax_free=False, stock=100) -> Product:
        return make_product(seller=seller, price=price, stock=stock, is_tax_free=tax_free)

    return make


@pytest.fixture
def pay_lines(buyer, pay_at_pg):
    """An order of the given (product, quantity) lines, paid at the emulator and verified."""

    def pay(*lines: tuple[Product, int], user=None) -> Payment:
        order = order_create(buyer=user or buyer, lines=[OrderLine(p.pk, q) for p, q in lines])
        return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=user or buyer)

    return pay


@pytest.fixture
def two_sellers(make_seller, product_of):
    """Two sellers with a taxable product each: (a, b, a's 30,000 won product, b's 20,000 won product)."""
    a, b = make_seller("rev-a"), make_seller("rev-b")
    return a, b, product_of(a, 30_000), product_of(b, 20_000)
