"""Query-string filters for the catalogue and order lists (django-filter; a bad value is 400)."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from orders.models import Order, Product

_BIGINT_MAX = 2**63 - 1  # beyond it a value cannot match any row, and SQLite would overflow on it


class IntegerFilter(django_filters.NumberFilter):
    """Whole numbers only (NumberFilter takes decimals), bounded to the database's integer range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", _BIGINT_MAX)
        super().__init__(*args, **kwargs)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO 8601, handed to the database in UTC.

    ISO allows what the databases refuse with a 500: `0001-01-01T00:00+09:00` overflows in UTC (SQLite), and
    offsets beyond ±15:59 (`+17:11`) are outside PostgreSQL's range. In UTC both are a clean 400 or fine.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Date out of range.", code="invalid") from None


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (also `True`/`False`/`1`/`0`); anything else is refused, not read as "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect would turn an unknown value into None before we see it
    _VALUES = {"true": True, "True": True, "1": True, "false": False, "False": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in self._VALUES:
            raise forms.ValidationError("Enter true or false.", code="invalid")
        return self._VALUES[value]


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses a filter sent empty (`?created_after=`, `?status=`): 400 `validation_error`.

    django-filter reads an empty value as "no filter" and answers the whole list; the schema allows no
    empty value for any of our filters (a date-time, an enum, a number), so the runtime refuses it too.
    Every list's FilterSet derives from this one.
    """

    def get_form_class(self):
        return type(f"{type(self).__name__}Form", (_NoEmptyValues, super().get_form_class()), {})


class _NoEmptyValues(forms.Form):
    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
            if "" in values:
                self.add_error(
                    name, forms.ValidationError("Leave the parameter out rather than empty.", "empty")
                )
        return cleaned


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering plus `pk` as a tie-breaker, so pages never repeat or skip equal rows."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


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


class OrderFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label="Only orders in this status.")
    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after this moment (ISO 8601)."
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before this moment (ISO 8601)."
    )

    class Meta:
        model = Order
        fields: list[str] = []
