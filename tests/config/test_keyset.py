"""config.keyset: the one keyset rule REST's cursor lists and the GraphQL connections page by."""

from datetime import UTC, datetime

import pytest
from django.db.models import F, Q

from config.keyset import CURSOR_MAX_LENGTH, InvalidCursor, Keyset, keyed_by, keyset
from orders.models import Order, Product

NEWEST = ("-created_at", "-pk")
MOMENT = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


def _where(queryset) -> str:
    return str(queryset.query).split(" WHERE ", 1)[1]


def test_the_rows_after_and_before_a_key_are_rests_range_and_tiebreak():
    rule = keyset(Order, NEWEST)
    orders = Order.objects.all()

    assert _where(rule.after(orders, (MOMENT, 7))) == _where(
        orders.filter(Q(created_at__lte=MOMENT) & (Q(created_at__lt=MOMENT) | Q(pk__lt=7)))
    )
    assert _where(rule.before(orders, (MOMENT, 7))) == _where(
        orders.filter(Q(created_at__gte=MOMENT) & (Q(created_at__gt=MOMENT) | Q(pk__gt=7)))
    )
    assert rule.reversed_ordering == ("created_at", "pk")


def test_a_keyed_by_list_filters_and_orders_by_the_joined_rows_columns_in_one_join():
    rule = keyset(Order, NEWEST)
    through = keyed_by(
        Order.objects.filter(seller_links__seller_id=3),
        created_at=F("seller_links__created_at"),
        pk=F("seller_links__order_id"),
    )

    sql = str(rule.ordered(rule.after(through, (MOMENT, 7)), backward=True).query)

    assert sql.count("JOIN") == 1, sql  # the seller filter's join, reused by the key's columns
    link = '"orders_sellerorder"'
    assert f'{link}."created_at" <= ' in sql and f'{link}."order_id" < 7' in sql, sql
    assert sql.endswith(f'ORDER BY {link}."created_at" ASC, {link}."order_id" ASC'), sql
    assert '"orders_order"."created_at" <' not in sql  # the orders' own columns are not the page's


def test_each_field_keeps_its_own_direction():
    rule = keyset(Product, ("price", "-pk"))  # cheapest first, newest pk first among equal prices
    products = Product.objects.all()

    assert _where(rule.after(products, (500, 7))) == _where(
        products.filter(Q(price__gte=500) & (Q(price__gt=500) | Q(pk__lt=7)))
    )
    assert _where(rule.before(products, (500, 7))) == _where(
        products.filter(Q(price__lte=500) & (Q(price__lt=500) | Q(pk__gt=7)))
    )


def test_three_fields_nest_the_rule():
    rule = Keyset(Product, ("-price", "created_at", "pk"))

    assert rule.beyond((500, MOMENT, 7), forward=True) == Q(price__lte=500) & (
        Q(price__lt=500) | (Q(created_at__gte=MOMENT) & (Q(created_at__gt=MOMENT) | Q(pk__gt=7)))
    )


@pytest.mark.parametrize(
    "ordering",
    [
        ("-created_at",),  # no pk: rows sharing created_at would have no order
        ("-pk", "-created_at"),
        ("-paid_at", "-pk"),  # nullable
        ("order_name", "-pk"),  # text
        ("buyer__username", "-pk"),
        (F("created_at").desc(), "-pk"),
        (),
    ],
)
def test_only_orders_of_non_null_datetimes_and_integers_ending_with_the_pk_are_keysets(ordering):
    with pytest.raises(TypeError):
        Keyset(Order, ordering)


def test_a_cursor_round_trips_and_names_its_tag():
    rule = keyset(Order, NEWEST)
    cursor = rule.encode("order:list", (MOMENT, 42))

    assert len(cursor) <= CURSOR_MAX_LENGTH and "=" not in cursor
    assert rule.decode(cursor, ("order:list", "other")) == ("order:list", (MOMENT, 42))
    with pytest.raises(InvalidCursor):
        rule.decode(cursor, ("other",))
    with pytest.raises(InvalidCursor):
        keyset(Product, ("price", "-pk")).decode(cursor, ("order:list",))  # a datetime is no price


def test_a_cursors_time_is_read_in_utc():
    rule = keyset(Order, NEWEST)
    cursor = rule.encode("t", ("2026-01-01T21:30:00+09:00", 1))

    assert rule.decode(cursor, ("t",))[1] == (MOMENT, 1)


@pytest.mark.django_db
def test_the_key_is_loaded_whatever_only_or_defer_leave_out(buyer):
    Order.objects.create(buyer=buyer, order_name="x", total_amount=1, expires_at=MOMENT)
    rule = keyset(Order, NEWEST)

    for queryset in (Order.objects.only("order_id"), Order.objects.defer("created_at", "order_name")):
        (row,) = rule.with_key_loaded(queryset)
        assert "created_at" in row.__dict__
    deferred = rule.with_key_loaded(Order.objects.defer("created_at", "order_name")).query.deferred_loading
    assert deferred == (frozenset({"order_name"}), True)
    everything = Order.objects.all()
    assert rule.with_key_loaded(everything) is everything
