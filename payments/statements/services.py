"""Keeping the statement rollups (docs/statements.md, "Rollups"): book a sale or a refund in the money
transaction, fold the bookings into per-(seller, day) rollups, rebook what the raw rows say now, backfill.

The booking rules are those of `payments.statements.selectors` (sold_in / refunded_in, by KST day); the
raw-row selectors stay the reference the reconciliation checks the rollups against.

- `sale_book` / `refund_book` (receivers of the core's signals, `receivers.py`): ONE `INSERT … SELECT …
  ON CONFLICT DO NOTHING` each, reading the order's lines (or the cancellation's shares) grouped per seller
  and inserting its bookings: a repeated signal books nothing twice, and no row a concurrent sale of the
  same seller and day writes is touched (no hot row, no lock wait, no deadlock).
- `rollups_fold` (beat): bookings not folded yet → their rollups, moved in one statement on PostgreSQL so a
  booking committing meanwhile stays for the next fold; one fold at a time (an advisory lock).
- `bookings_rebook` / `rollups_rebuild`: repair: what each payment's sale and refunds book now, from the raw
  rows, against what was booked; each difference appended as a correcting revision, under the order locks.
- `bookings_backfill`: every raw sale and refund not booked yet, set-based (the data migration, the bench).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from orders.models import Order, OrderItem
from payments.models import SOLD_PAYMENT_STATUSES, Cancellation, CancellationShare, Payment
from payments.statements.models import SellerDayRollup, StatementBooking

STATEMENT_TIME_ZONE = "Asia/Seoul"
SALE, REFUND = "sale", "refund"
SUCCEEDED = "succeeded"
FOLD_BATCH = 50_000  # bookings moved per fold statement
REBOOK_BATCH = 500  # payments locked and rebooked per transaction
# pg_advisory_xact_lock key of the fold (and of a rebuild's rollup rewrite): one at a time.
FOLD_LOCK_KEY = 0x5354_4D54_524F_4C4C  # "STMTROLL"

_BOOKING_COLUMNS = "kind, source_id, seller_id, revision, day, count, taxable, tax_free, folded"


def kst_day(moment: datetime) -> date:
    return timezone.localtime(moment, ZoneInfo(STATEMENT_TIME_ZONE)).date()


def _day(path: str) -> TruncDate:
    return TruncDate(path, tzinfo=ZoneInfo(STATEMENT_TIME_ZONE))


def _models(apps=global_apps):
    return (
        apps.get_model("orders", "OrderItem"),
        apps.get_model("payments", "CancellationShare"),
        apps.get_model("statements", "StatementBooking"),
        apps.get_model("statements", "SellerDayRollup"),
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- Booking, in the money transaction -------------------------------------------------------------


def _lines_per_seller(order_items: QuerySet) -> QuerySet:
    """(seller_id, taxable, tax_free) of order lines, one row per seller: what a sale credits each."""
    line_total = F("unit_price") * F("quantity")
    return (
        order_items.values("seller_id")
        .annotate(
            taxable=Coalesce(Sum(line_total, filter=Q(is_tax_free=False)), 0),
            tax_free=Coalesce(Sum(line_total, filter=Q(is_tax_free=True)), 0),
        )
        .order_by()
    )


def _book(kind: str, source_pk: int, day: date, rows: QuerySet, *, apps=global_apps) -> None:
    """Insert revision 0 of (kind, source) for each (seller_id, taxable, tax_free) row of `rows`, unless
    booked already: one statement, the rows read inside it."""
    booking = _models(apps)[2]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(booking)} ({_BOOKING_COLUMNS}) "
            f"SELECT %s, %s, source.seller_id, 0, %s, 1, source.taxable, source.tax_free, %s "
            f"FROM ({sql}) source WHERE TRUE "
            "ON CONFLICT (kind, source_id, seller_id, revision) DO NOTHING",
            [kind, source_pk, connection.ops.adapt_datefield_value(day), False, *params],
        )


def sale_book(payment) -> None:
    """Book a payment's sale: each seller its own lines, on the KST day of `purchased_at`. Nothing for a
    payment that did not sell. Called under the order's lock, in the transaction that sold it."""
    if payment.status not in SOLD_PAYMENT_STATUSES or payment.purchased_at is None:
        return
    order_item = _models()[0]
    rows = _lines_per_seller(order_item.objects.filter(order_id=payment.order_id))
    _book(SALE, payment.pk, kst_day(payment.purchased_at), rows)


def refund_book(payment, cancellation) -> None:
    """Book a succeeded cancellation of a sold payment: each seller its share, on the KST day of
    `completed_at`. Called under the order's lock, in the transaction that booked it."""
    if (
        payment.status not in SOLD_PAYMENT_STATUSES
        or cancellation.state != SUCCEEDED
        or cancellation.completed_at is None
    ):
        return
    share = _models()[1]
    rows = (
        share.objects.filter(cancellation_id=cancellation.pk)
        .values("seller_id", taxable=F("amount") - F("tax_free_amount"), tax_free=F("tax_free_amount"))
        .order_by()
    )
    _book(REFUND, cancellation.pk, kst_day(cancellation.completed_at), rows)


# --- Folding ---------------------------------------------------------------------------------------


def _rollup_sums(source: str) -> str:
    """The six rollup columns summed from bookings (`source`: a relation of booking rows)."""
    parts = []
    for column in ("count", "taxable", "tax_free"):
        parts.append(f"SUM(CASE WHEN kind = '{SALE}' THEN {column} ELSE 0 END)")
    for column in ("count", "taxable", "tax_free"):
        parts.append(f"SUM(CASE WHEN kind = '{REFUND}' THEN {column} ELSE 0 END)")
    return f"seller_id, day, {', '.join(parts)} FROM {source}"


ROLLUP_COLUMNS = (
    "sales_count",
    "sales_taxable",
    "sales_tax_free",
    "refunds_count",
    "refunds_taxable",
    "refunds_tax_free",
)


def _rollup_upsert(rollup) -> str:
    table = _table(rollup)
    added = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in ROLLUP_COLUMNS)
    return f"ON CONFLICT (seller_id, day) DO UPDATE SET {added}"


def rollups_fold(*, batch: int = FOLD_BATCH, wait: bool = False, apps=global_apps) -> int:
    """Add up to `batch` unfolded bookings to their (seller, day) rollups and mark them folded, in one
    transaction. Returns how many it moved (0 when another fold holds the lock and `wait` is false).

    PostgreSQL: one statement (`WITH moved AS (UPDATE … RETURNING) INSERT … ON CONFLICT DO UPDATE`), so it
    adds exactly the rows it marked: a booking committed after the statement began stays unfolded."""
    _, _, booking, rollup = _models(apps)
    bookings, columns = _table(booking), ", ".join(("seller_id", "day", *ROLLUP_COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            cursor.execute(f"SELECT {lock}(%s)", [FOLD_LOCK_KEY])
            if not wait and not cursor.fetchone()[0]:
                return 0
            cursor.execute(
                f"WITH moved AS (UPDATE {bookings} SET folded = TRUE WHERE NOT folded AND id IN "
                f"(SELECT id FROM {bookings} WHERE NOT folded LIMIT %s) "
                "RETURNING seller_id, day, kind, count, taxable, tax_free), "
                f"added AS (INSERT INTO {_table(rollup)} ({columns}) SELECT {_rollup_sums('moved')} "
                f"GROUP BY seller_id, day {_rollup_upsert(rollup)} RETURNING 1) "
                "SELECT count(*) FROM moved",
                [batch],
            )
            return cursor.fetchone()[0]
        # SQLite: one writer at a time; the transaction is enough.
        cursor.execute(
            f"SELECT id FROM {bookings} WHERE NOT folded ORDER BY id LIMIT 1 OFFSET %s", [batch - 1]
        )
        last = cursor.fetchone()
        bound = last[0] if last else None
        within = "NOT folded" + (" AND id <= %s" if bound is not None else "")
        params = [bound] if bound is not None else []
        cursor.execute(
            f"INSERT INTO {_table(rollup)} ({columns}) SELECT {_rollup_sums(bookings)} WHERE {within} "
            f"GROUP BY seller_id, day {_rollup_upsert(rollup)}",
            params,
        )
        cursor.execute(f"UPDATE {bookings} SET folded = TRUE WHERE {within}", params)
        return cursor.rowcount


def rollups_fold_all(*, apps=global_apps) -> int:
    """Fold until nothing is left unfolded (commands, the migration); waits for a running fold."""
    moved = total = rollups_fold(wait=True, apps=apps)
    while moved:
        moved = rollups_fold(wait=True, apps=apps)
        total += moved
    return total


# --- Backfill --------------------------------------------------------------------------------------


def _raw_sales(order_items: QuerySet, payment_pks: list[int] | None = None) -> QuerySet:
    """(source, seller_pk, booked_day, taxable, tax_free): per sold payment (of `payment_pks` when given)
    and seller, its lines."""
    line_total = F("unit_price") * F("quantity")
    sold = Q(order__payments__status__in=SOLD_PAYMENT_STATUSES, order__payments__purchased_at__isnull=False)
    if payment_pks is not None:  # in the same filter(): the same payment, not any payment of the order
        sold &= Q(order__payments__id__in=payment_pks)
    return (
        order_items.filter(sold)
        .values(
            source=F("order__payments__id"),
            seller_pk=F("seller_id"),
            booked_day=_day("order__payments__purchased_at"),
        )
        .annotate(
            taxable=Coalesce(Sum(line_total, filter=Q(is_tax_free=False)), 0),
            tax_free=Coalesce(Sum(line_total, filter=Q(is_tax_free=True)), 0),
        )
        .order_by()
    )


def _raw_refunds(shares: QuerySet) -> QuerySet:
    """(source, seller_pk, booked_day, taxable, tax_free): per succeeded cancellation of a sold payment
    and seller."""
    return (
        shares.filter(
            cancellation__state=SUCCEEDED,
            cancellation__completed_at__isnull=False,
            cancellation__payment__status__in=SOLD_PAYMENT_STATUSES,
        )
        .values(
            source=F("cancellation_id"),
            seller_pk=F("seller_id"),
            booked_day=_day("cancellation__completed_at"),
            taxable=F("amount") - F("tax_free_amount"),
            tax_free=F("tax_free_amount"),
        )
        .order_by()
    )


def bookings_backfill(*, apps=global_apps) -> None:
    """Book every raw sale and refund that has no booking yet (two INSERT … SELECT, grouped), unfolded:
    the fold adds them up. Safe beside live bookings (the same unique key decides)."""
    order_item, share, booking, _ = _models(apps)
    for kind, rows in (
        (SALE, _raw_sales(order_item.objects.all())),
        (REFUND, _raw_refunds(share.objects.all())),
    ):
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_table(booking)} ({_BOOKING_COLUMNS}) "
                "SELECT %s, raw.source, raw.seller_pk, 0, raw.booked_day, 1, raw.taxable, raw.tax_free, %s "
                f"FROM ({sql}) raw WHERE TRUE "
                "ON CONFLICT (kind, source_id, seller_id, revision) DO NOTHING",
                [kind, False, *params],
            )


# --- Rebooking (repair) ----------------------------------------------------------------------------

Key = tuple[str, int, int]  # kind, source, seller


def bookings_rebook(payment_pks: Iterable[int]) -> int:
    """Make the bookings of these payments' sales and refunds say what their raw rows say now: each
    difference (a sale whose day or lines changed, a refund no longer one, one never booked) is
    appended as a correcting revision (−what was booked on a day, +what is due on a day), unfolded.
    Caller holds the payments' order locks. Returns how many rows it appended."""
    pks = list(payment_pks)
    cancellations = list(Cancellation.objects.filter(payment_id__in=pks).values_list("pk", flat=True))
    due: dict[tuple[Key, date], list[int]] = {}
    for kind, rows in (
        (SALE, _raw_sales(OrderItem.objects.all(), pks)),
        (REFUND, _raw_refunds(CancellationShare.objects.filter(cancellation_id__in=cancellations))),
    ):
        for row in rows:
            key = ((kind, row["source"], row["seller_pk"]), row["booked_day"])
            due[key] = [1, row["taxable"], row["tax_free"]]
    booked: dict[tuple[Key, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    last_revision: dict[Key, int] = {}
    for row in (
        StatementBooking.objects.filter(
            Q(kind=SALE, source_id__in=pks) | Q(kind=REFUND, source_id__in=cancellations)
        )
        .values("kind", "source_id", "seller_id", "day")
        .annotate(
            count_=Sum("count"), taxable_=Sum("taxable"), tax_free_=Sum("tax_free"), last=Max("revision")
        )
        .order_by()
    ):
        key = (row["kind"], row["source_id"], row["seller_id"])
        booked[(key, row["day"])] = [row["count_"], row["taxable_"], row["tax_free_"]]
        last_revision[key] = max(last_revision.get(key, -1), row["last"])
    fixes = []
    for full_key in sorted(set(due) | set(booked), key=lambda k: (k[0], k[1])):
        key, day = full_key
        want, have = due.get(full_key, [0, 0, 0]), booked.get(full_key, [0, 0, 0])
        if want == have:
            continue
        last_revision[key] = last_revision.get(key, -1) + 1
        kind, source, seller = key
        count, taxable, tax_free = (w - h for w, h in zip(want, have, strict=True))
        fixes.append(
            StatementBooking(
                kind=kind,
                source_id=source,
                seller_id=seller,
                revision=last_revision[key],
                day=day,
                count=count,
                taxable=taxable,
                tax_free=tax_free,
            )
        )
    StatementBooking.objects.bulk_create(fixes)
    return len(fixes)


def payments_rebook(payment_pks: Iterable[int]) -> int:
    """`bookings_rebook` under the payments' order locks (taken in pk order), in one transaction."""
    pks = sorted(set(payment_pks))
    with transaction.atomic():
        order_pks = sorted(set(Payment.objects.filter(pk__in=pks).values_list("order_id", flat=True)))
        list(
            Order.objects.select_for_update(of=("self",)).filter(pk__in=order_pks).order_by("pk").values("pk")
        )
        return bookings_rebook(pks)


def rollups_rebuild(date_from: date, date_to: date) -> dict[str, int]:
    """Repair a period: rebook every payment with a sale or refund in it (by the raw rows or by what was
    booked), then rewrite the period's rollups from the folded bookings under the fold's lock. Safe while
    payments go on: bookings are rebooked under their orders' locks, new ones stay unfolded."""
    from payments.statements.selectors import period_bounds  # the selectors import this module

    start, end = period_bounds(date_from, date_to)
    sold = Payment.objects.filter(purchased_at__gte=start, purchased_at__lt=end).values_list("pk", flat=True)
    refunded = Cancellation.objects.filter(completed_at__gte=start, completed_at__lt=end).values_list(
        "payment_id", flat=True
    )
    in_period = StatementBooking.objects.filter(day__gte=date_from, day__lte=date_to)
    booked_sales = in_period.filter(kind=SALE).values_list("source_id", flat=True)
    booked_refunds = Cancellation.objects.filter(
        pk__in=in_period.filter(kind=REFUND).values_list("source_id", flat=True)
    ).values_list("payment_id", flat=True)
    pks = sorted({*sold, *refunded, *booked_sales, *booked_refunds})
    appended = 0
    for offset in range(0, len(pks), REBOOK_BATCH):
        appended += payments_rebook(pks[offset : offset + REBOOK_BATCH])
    folded = rollups_fold_all()
    rollup, bookings = _table(SellerDayRollup), _table(StatementBooking)
    columns = ", ".join(("seller_id", "day", *ROLLUP_COLUMNS))
    days = [connection.ops.adapt_datefield_value(d) for d in (date_from, date_to)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK_KEY])
        cursor.execute(f"DELETE FROM {rollup} WHERE day >= %s AND day <= %s", days)
        cursor.execute(
            f"INSERT INTO {rollup} ({columns}) SELECT {_rollup_sums(bookings)} "
            "WHERE folded AND day >= %s AND day <= %s GROUP BY seller_id, day",
            days,
        )
        rewritten = cursor.rowcount
    return {"payments": len(pks), "appended": appended, "folded": folded, "rollups": rewritten}
