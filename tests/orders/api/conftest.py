from dataclasses import dataclass

import pytest

from orders.models import Order, Product, Seller
from orders.services import OrderLine, order_create


@dataclass
class Marketplace:
    """Two buyers, two shops, a staff user; one order spans both shops, the other only shop B."""

    users: dict  # role name → user: anonymous (None), buyer, other_buyer, seller, other_seller, staff
    shop_a: Seller
    shop_b: Seller
    a1: Product
    a_hidden: Product  # inactive, shop A's
    b1: Product
    order_1: Order  # buyer's: a1 × 2 + b1 × 1
    order_2: Order  # other_buyer's: b1 × 1


@pytest.fixture
def market(buyer, make_user, make_seller, make_product) -> Marketplace:
    shop_a, shop_b = make_seller("alpha-shop"), make_seller("beta-shop")
    a1 = make_product(seller=shop_a, price=10_000, stock=50)
    a_hidden = make_product(seller=shop_a, price=5_000, is_active=False)
    b1 = make_product(seller=shop_b, price=30_000, stock=50, is_tax_free=True)
    other_buyer = make_user("other-buyer")
    order_1 = order_create(buyer=buyer, lines=[OrderLine(a1.pk, 2), OrderLine(b1.pk, 1)])
    order_2 = order_create(buyer=other_buyer, lines=[OrderLine(b1.pk, 1)])
    users = {
        "anonymous": None,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "seller": shop_a.user,
        "other_seller": shop_b.user,
        "staff": make_user("staff-member", is_staff=True),
    }
    return Marketplace(users, shop_a, shop_b, a1, a_hidden, b1, order_1, order_2)


@pytest.fixture
def as_role(api_client_for, market):
    """`as_role("seller")`: an API client authenticated as that member of `market` (anonymous: no token)."""
    return lambda role: api_client_for(market.users[role])
