"""How identity hooks into orders: `order_creating` refuses an adult-only product for a buyer without a
live adult verification, inside order_create's transaction and before any stock is reserved."""

from typing import Any

from config.errors import DomainError, ErrorCode
from payments.identity.selectors import identity_live_adult


def refuse_adult_only_without_verification(sender: Any, *, buyer, products, **kwargs: Any) -> None:
    adult_only = [product.pk for product in products if product.adult_only]
    if adult_only and identity_live_adult(user=buyer) is None:
        raise DomainError(ErrorCode.ADULT_VERIFICATION_REQUIRED, details={"product_ids": adult_only})
