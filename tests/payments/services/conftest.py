"""Fixtures of the escrow tests (test_escrow_shipping.py, test_escrow_registration_retry.py): a shop, its
paid two-line orders (escrow or not) and a staff user."""

import pytest

from orders.services import OrderLine, order_create
from payments.services import payment_verify


@pytest.fixture
def shop(make_seller):
    return make_seller("escrow-shop")


@pytest.fixture
def staff_user(make_user):
    return make_user("escrow-staff", is_staff=True)


@pytest.fixture
def escrow_order(buyer, shop, make_product, pay_at_pg):
    """A paid two-line order of one shop, escrow unless told otherwise: (order, payment, [line, line])."""

    def make(*, escrow: bool = True, **receipt):
        first, second = make_product(seller=shop, price=7_000), make_product(seller=shop, price=3_000)
        order = order_create(buyer=buyer, lines=[OrderLine(first.pk, 1), OrderLine(second.pk, 2)])
        receipt_id = pay_at_pg(order, escrow=escrow, **receipt)
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        return order, payment, list(order.items.order_by("pk"))

    return make
