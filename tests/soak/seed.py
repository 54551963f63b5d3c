"""The soak's starting world, written through the ORM: staff, buyers and sellers with API tokens, and
products (taxable, tax-free, and a monthly subscription) with stock enough for any soak."""

from __future__ import annotations

import secrets

SELLERS = 4
BUYERS = 12
STOCK = 1_000_000_000


def _token(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=user, key=secrets.token_hex(20)).key


def seed_world() -> dict:
    """What traffic.World needs besides the URLs: tokens and products."""
    from django.contrib.auth import get_user_model

    from orders.models import Product, Seller, SubscriptionInterval

    users = get_user_model().objects
    staff = users.create_user("soak-staff", is_staff=True)
    buyer_tokens = [_token(users.create_user(f"soak-buyer-{n}")) for n in range(BUYERS)]
    seller_tokens, products = {}, []
    for n in range(SELLERS):
        user = users.create_user(f"soak-seller-{n}")
        seller = Seller.objects.create(user=user, name=f"soak shop {n}")
        seller_tokens[seller.pk] = _token(user)
        catalogue = [
            Product(seller=seller, name=f"soak goods {n}", price=5_000 + 1_000 * n, stock=STOCK),
            Product(
                seller=seller, name=f"soak greens {n}", price=3_000 + 500 * n, is_tax_free=True, stock=STOCK
            ),
        ]
        catalogue.append(  # each seller's subscription: a buyer holds one live subscription per product
            Product(
                seller=seller,
                name=f"soak monthly box {n}",
                price=9_900 + 100 * n,
                stock=STOCK,
                subscription_interval=SubscriptionInterval.MONTH,
            )
        )
        for product in catalogue:
            product.save()
            products.append(
                {
                    "id": product.pk,
                    "seller_id": seller.pk,
                    "price": product.price,
                    "tax_free": product.is_tax_free,
                    "subscription": bool(product.subscription_interval),
                }
            )
    return {
        "staff_token": _token(staff),
        "buyer_tokens": buyer_tokens,
        "seller_tokens": seller_tokens,
        "products": products,
    }
