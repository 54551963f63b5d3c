"""Query-string filters for the catalogue and order lists (the shared pieces are in `config/filters.py`)."""

import django_filters

from config.filters import (
    CreatedRangeFilterSet,
    IntegerFilter,
    StableOrderingFilter,
    StrictBooleanFilter,
    StrictFilterSet,
)
from orders.models import Order, Product


class ProductFilter(StrictFilterSet):
    seller = IntegerFilter(
        field_name="seller_id", min_value=1, label="Only this seller's products (seller id)."
    )
    min_price = IntegerFilter(field_name="price", lookup_expr="gte", label="Unit price ≥ this (won).")
    max_price = IntegerFilter(field_name="price", lookup_expr="lte", label="Unit price ≤ this (won).")
    is_tax_free = StrictBooleanFilter(label="Tax-free (면세) products only, or taxable ones only.")
    ordering = StableOrderingFilter(
        fields=(("price", "price"), ("created_at", "created")),
        label="Sort by `price` or `created`; prefix `-` for descending. Default: by id.",
    )

    class Meta:
        model = Product
        fields: list[str] = []


class OrderFilter(CreatedRangeFilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label="Only orders in this status.")

    class Meta:
        model = Order
        fields: list[str] = []
