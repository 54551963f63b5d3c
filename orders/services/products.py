"""The catalogue: a seller's products, created and edited within bounds."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from config.errors import DomainError, ErrorCode
from orders.models import Product, Seller
from orders.selectors import Role, user_role

# Bounds far above any real listing, well inside the integer columns (Bootpay amounts are won, no decimals).
PRODUCT_MAX_PRICE = 1_000_000_000
PRODUCT_MAX_STOCK = 1_000_000
PRODUCT_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "price",
        "is_tax_free",
        "stock",
        "is_active",
        "adult_only",
        "subscription_interval",
        "trial_days",
    }
)


def _max_price() -> int:
    # A unit price above the order cap could never be bought: refused when listed, not at checkout.
    return min(PRODUCT_MAX_PRICE, settings.ORDER_MAX_TOTAL_AMOUNT)


def _check_bounds(values: dict[str, Any]) -> None:
    if "price" in values and not 1 <= values["price"] <= (max_price := _max_price()):
        raise DomainError.invalid("price", f"must be between 1 and {max_price}")
    if "stock" in values and not 0 <= values["stock"] <= PRODUCT_MAX_STOCK:
        raise DomainError.invalid("stock", f"must be between 0 and {PRODUCT_MAX_STOCK}")
    if "trial_days" in values and not 0 <= values["trial_days"] <= (
        max_days := settings.BILLING_MAX_TRIAL_DAYS
    ):
        raise DomainError.invalid("trial_days", f"must be between 0 and {max_days}")


def _full_clean(product: Product) -> None:
    try:
        product.full_clean()
    except ValidationError as exc:
        raise DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": exc.message_dict}) from exc


def product_create(
    *,
    actor: AbstractBaseUser | AnonymousUser,
    name: str,
    price: int,
    is_tax_free: bool = False,
    stock: int = 0,
    is_active: bool = True,
    adult_only: bool = False,
    subscription_interval: str = "",
    trial_days: int = 0,
) -> Product:
    """A seller lists a product in its own shop (`subscription_interval`: also sold by subscription).

    Raises permission_denied (the actor has no Seller profile, staff included: a product always belongs
    to the actor's own shop) and validation_error (a price above `ORDER_MAX_TOTAL_AMOUNT` included).
    Not idempotent: a retry lists a second product.
    """
    seller = Seller.objects.filter(user=actor).first() if actor.is_authenticated else None
    if seller is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    _check_bounds({"price": price, "stock": stock, "trial_days": trial_days})
    product = Product(
        seller=seller,
        name=name,
        price=price,
        is_tax_free=is_tax_free,
        stock=stock,
        is_active=is_active,
        adult_only=adult_only,
        subscription_interval=subscription_interval,
        trial_days=trial_days,
    )
    _full_clean(product)
    product.save()
    return product


def product_lock_managed(*, product_id: int, actor: AbstractBaseUser | AnonymousUser, role: Role) -> Product:
    """The product under its row lock, if `actor` (of `role`: its seller, or staff) may manage it; else
    product_not_found (another seller's product's existence is not revealed). Call inside a transaction."""
    product = (
        Product.objects.select_for_update(of=("self",)).select_related("seller").filter(pk=product_id).first()
    )
    if product is None or (role == Role.SELLER and product.seller.user_id != actor.pk):
        raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
    return product


def product_update(*, product_id: int, actor: AbstractBaseUser | AnonymousUser, **changes: Any) -> Product:
    """Change some of a product's fields (`PRODUCT_EDITABLE_FIELDS`); the owning seller or staff only.

    Raises permission_denied (a buyer: not allowed to manage any product), product_not_found (unknown, or
    another seller's: its existence is not revealed) and validation_error (a price above
    `ORDER_MAX_TOTAL_AMOUNT` included). Safe to retry.
    The row is locked so a stock correction cannot interleave with `order_create` reserving from it.
    """
    if unknown := sorted(set(changes) - PRODUCT_EDITABLE_FIELDS):
        raise DomainError.invalid(unknown[0], "cannot be changed")
    role = user_role(actor)
    if role not in (Role.SELLER, Role.STAFF):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    _check_bounds(changes)
    with transaction.atomic():
        product = product_lock_managed(product_id=product_id, actor=actor, role=role)
        if not changes:
            return product
        for field, value in changes.items():
            setattr(product, field, value)
        _full_clean(product)
        product.save(update_fields=[*changes, "updated_at"])
    return product
