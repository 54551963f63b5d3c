"""The keyset rule of every cursor-paged list: REST's order and payment lists (config.pagination) and the
GraphQL connections (graphql_api.queries) page through this one definition.

A list is ordered by a few fields of its model, the last of them the primary key, so each row has a unique
*key*: its values of those fields. The rows *after* a key are those the order puts strictly later, the rows
*before* it those strictly earlier. The filter is a range on the first field (what an index on the ordering
reads) and the exact rule on the others, e.g. for `-created_at, -pk` (newest first), after `(c, p)`:

    created_at <= c AND (created_at < c OR id < p)

A page is that filter, the list's order (the reverse for the rows just before a key, turned back after) and
a LIMIT: never an OFFSET, so it costs one index range read however deep it is, and rows added elsewhere in
the list never shift it.

A list whose rows are found through another table's index keys its page on that table's copy of the key:
`keyed_by(queryset, created_at=F("seller_links__created_at"), pk=F("seller_links__order_id"))` (a seller's
orders, through `orders.SellerOrder`, which carries each order's created_at). The page's filter and order
then name the joined columns, so that table's index serves it; keys and cursors are still read from the
rows' own fields, which hold the same values.

A cursor is a key as text: base64url (unpadded) of `tag|value|value…`, the tag naming what the cursor is
for (REST: the direction, `n` or `p`; GraphQL: the list's model and ordering). Whatever does not decode to
a tag the caller accepts and one well-formed value per field is refused with `InvalidCursor`, before any
query: over-long, not base64, not ASCII, a datetime without a time zone or beyond the calendar, an integer
outside its column's range, a pk no row can have.
"""

import base64
import binascii
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Q, QuerySet

from config.ids import PK_MAX

CURSOR_MAX_LENGTH = 200
_SEPARATOR = "|"
_INTEGER = re.compile(r"-?[0-9]+")


_ALIAS = "keyset_{}"


def keyed_by(queryset: QuerySet, **columns: Any) -> QuerySet:
    """`queryset` paged on `columns` (expressions over a joined row, by key field name) instead of its own
    fields. Each must equal the row's own field; the join must give one row per listed row."""
    return queryset.alias(**{_ALIAS.format(name): column for name, column in columns.items()})


class InvalidCursor(ValueError):
    """Not a cursor of this keyset (with an accepted tag)."""


@dataclass(frozen=True)
class _KeyField:
    name: str  # as the ordering spells it: the lookup in filters (`created_at`, `pk`)
    field: models.Field
    descending: bool

    def value(self, row: models.Model) -> Any:
        return row.pk if self.field.primary_key else getattr(row, self.field.attname)

    def text(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    def parse(self, text: str) -> Any:
        """The value `text` spells; ValueError (or OverflowError) when the column cannot hold it."""
        if isinstance(self.field, models.DateTimeField):
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError("no time zone")
            return moment.astimezone(UTC)  # year 1 at +14:00 overflows here, not in SQL
        if not _INTEGER.fullmatch(text):
            raise ValueError("not an integer")
        if self.field.primary_key:
            low, high = 1, PK_MAX
        else:
            low, high = connection.ops.integer_field_range(self.field.get_internal_type())
        number = int(text)
        if not low <= number <= high:
            raise ValueError("out of range")
        return number


class Keyset:
    """A list order (`("-created_at", "-pk")`) of `model`, ending with the primary key."""

    def __init__(self, model: type[models.Model], ordering: Sequence[str]):
        fields = []
        for item in ordering:
            if not isinstance(item, str):
                raise TypeError(f"keyset ordering by field names only, not {item!r}")
            name = item.removeprefix("-")
            try:
                field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            except FieldDoesNotExist:
                raise TypeError(f"keyset field {model.__name__}.{name}: no such field") from None
            if not isinstance(field, models.DateTimeField | models.IntegerField) or field.null:
                raise TypeError(f"keyset field {model.__name__}.{name}: a non-null datetime or integer")
            fields.append(_KeyField(name, field, item.startswith("-")))
        if not fields or not fields[-1].field.primary_key:
            raise TypeError(f"keyset ordering {tuple(ordering)} must end with the primary key")
        self.model = model
        self.fields = tuple(fields)
        self.ordering = tuple(ordering)
        self.reversed_ordering = tuple(f.name if f.descending else f"-{f.name}" for f in fields)

    def __repr__(self) -> str:
        return f"Keyset({self.model.__name__}, {self.ordering})"

    # --- keys and cursors --------------------------------------------------------------------------------

    def key(self, row: models.Model) -> tuple:
        return tuple(field.value(row) for field in self.fields)

    def encode(self, tag: str, key: Sequence[Any]) -> str:
        values = (field.text(value) for field, value in zip(self.fields, key, strict=True))
        text = _SEPARATOR.join([tag, *values])
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def cursor(self, tag: str, row: models.Model) -> str:
        return self.encode(tag, self.key(row))

    def decode(self, cursor: str, tags: Collection[str]) -> tuple[str, tuple]:
        """`(tag, key)` from a cursor `encode` made with one of `tags`; InvalidCursor for anything else."""
        try:
            if not cursor.isascii() or len(cursor) > CURSOR_MAX_LENGTH:
                raise ValueError
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            tag, *values = text.split(_SEPARATOR)
            if tag not in tags or len(values) != len(self.fields):
                raise ValueError
            key = tuple(field.parse(value) for field, value in zip(self.fields, values, strict=True))
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursor(cursor) from None
        return tag, key

    # --- the rows after or before a key ------------------------------------------------------------------

    def _names(self, queryset: QuerySet | None) -> tuple[str, ...]:
        """What filters and orders name for each key field: its `keyed_by` column, else the field."""
        aliases = queryset.query.annotations if queryset is not None else {}
        return tuple(
            alias if (alias := _ALIAS.format(field.name)) in aliases else field.name for field in self.fields
        )

    def beyond(self, key: Sequence[Any], *, forward: bool, queryset: QuerySet | None = None) -> Q:
        """The rows strictly after `key` in this order (`forward`), or strictly before it (of `queryset`,
        whose `keyed_by` columns it names)."""
        condition: Q | None = None
        names = self._names(queryset)
        for field, name, value in reversed(tuple(zip(self.fields, names, key, strict=True))):
            lookup = "lt" if field.descending == forward else "gt"
            strictly = Q((f"{name}__{lookup}", value))
            if condition is None:
                condition = strictly
            else:  # this field's range (an index reads it), then past `value` or on it and past the rest
                condition = Q((f"{name}__{lookup}e", value)) & (strictly | condition)
        assert condition is not None
        return condition

    def after(self, queryset: QuerySet, key: Sequence[Any]) -> QuerySet:
        return queryset.filter(self.beyond(key, forward=True, queryset=queryset))

    def before(self, queryset: QuerySet, key: Sequence[Any]) -> QuerySet:
        return queryset.filter(self.beyond(key, forward=False, queryset=queryset))

    def ordered(self, queryset: QuerySet, *, backward: bool = False) -> QuerySet:
        """`queryset` in this order (or reversed), by its `keyed_by` columns where it has them."""
        ordering = self.reversed_ordering if backward else self.ordering
        names = self._names(queryset)
        return queryset.order_by(
            *(
                f"-{name}" if item.startswith("-") else name
                for item, name in zip(ordering, names, strict=True)
            )
        )

    def page(
        self,
        queryset: QuerySet,
        *,
        size: int,
        after: Sequence[Any] | None = None,
        before: Sequence[Any] | None = None,
        backward: bool = False,
    ) -> tuple[list, bool]:
        """`(rows, more)`: one query, the first `size` rows after `after` and before `before` (each optional)
        in this order, or with `backward` the last `size` of them (read in reverse, returned in this order).
        `more` says the range held rows beyond the page in the direction read (it fetches `size + 1`)."""
        if after is not None:
            queryset = self.after(queryset, after)
        if before is not None:
            queryset = self.before(queryset, before)
        queryset = self.with_key_loaded(queryset)
        rows = list(self.ordered(queryset, backward=backward)[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        return (rows[::-1] if backward else rows), more

    def with_key_loaded(self, queryset: QuerySet) -> QuerySet:
        """`queryset`, loading the key's fields even where `only()`/`defer()` (the GraphQL optimizer) leave
        them out: reading a deferred one for a cursor would cost a query per row."""
        names = {field.field.name for field in self.fields if not field.field.primary_key}
        existing, deferring = queryset.query.deferred_loading
        if deferring and names & existing:
            return queryset.defer(None).defer(*(existing - names))
        if not deferring and not names <= existing:
            return queryset.only(*existing, *names)
        return queryset


@cache
def keyset(model: type[models.Model], ordering: tuple[str, ...]) -> Keyset:
    """The Keyset of `model` in `ordering` (built once per pair)."""
    return Keyset(model, ordering)
