"""Query-string filters every list shares (django-filter; a bad value is 400 `validation_error`).

The apps' FilterSets (`orders/api/filters.py`, `payments/api/filters.py`) build on these.
"""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from config.errors import DomainError, ErrorCode
from config.ids import PK_MAX

# The schema allows no empty value for any of our optional query parameters: one sent empty is refused, not
# read as "not sent" (a list would answer its whole unfiltered self).
EMPTY_PARAMETER = "Leave the parameter out rather than empty."


class IntegerFilter(django_filters.NumberFilter):
    """Whole numbers only (NumberFilter takes decimals), bounded to the database's integer range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", PK_MAX)  # beyond it no row matches; SQLite would overflow
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
                self.add_error(name, forms.ValidationError(EMPTY_PARAMETER, "empty"))
        return cleaned


def refuse_empty_parameters(query_params, names) -> None:
    """StrictFilterSet's rule for a view's own optional query parameters: 400 `validation_error` naming
    each of `names` sent empty (`?seller=`)."""
    empty = [name for name in names if "" in query_params.getlist(name)]
    if empty:
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, details={"fields": {name: [EMPTY_PARAMETER] for name in empty}}
        )


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering plus `pk` as a tie-breaker, so pages never repeat or skip equal rows."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class CreatedRangeFilterSet(StrictFilterSet):
    """`created_after` (inclusive) and `created_before` (exclusive) on `created_at`, for any list."""

    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after this moment (ISO 8601)."
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before this moment (ISO 8601)."
    )
