"""Reads for the catalogue and orders."""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from orders.models import Order, Product, Seller


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    BUYER = "buyer"
    SELLER = "seller"
    STAFF = "staff"


def user_role(user: AbstractBaseUser | AnonymousUser) -> Role:
    """Staff = `is_staff`; seller = has a Seller profile; any other signed-in user is a buyer."""
    if not user.is_authenticated:
        return Role.ANONYMOUS
    if user.is_staff:
        return Role.STAFF
    if Seller.objects.filter(user=user).exists():
        return Role.SELLER
    return Role.BUYER


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    products = Product.objects.select_related("seller")
    return products if include_inactive else products.filter(is_active=True)


def order_list_for_buyer(*, buyer: AbstractBaseUser) -> QuerySet[Order]:
    return Order.objects.filter(buyer=buyer).prefetch_related("items")
