"""Seller statements: what each seller sold and refunded in a period (dates in Asia/Seoul).

Settlement is the PG's job; a statement is what the marketplace instructs it (or its books) with.
Booking rules (docs/statements.md):
- a sale is a payment that took the order's money (status paid, partially_cancelled or cancelled),
  booked on the day of its `purchased_at`; each seller is credited its own lines (taxable and
  tax-free apart), one sale per (payment, seller);
- a refund is a succeeded cancellation of such a payment, booked on the day of its `completed_at`,
  charged to the sellers in its recorded shares (`CancellationShare`, written by the cancel service:
  a line refund to the lines' sellers, an amount refund or a cancel made at Bootpay pro rata over
  what each seller had left), one refund per (cancellation, seller);
- net = gross − refunds. Charges of subscriptions are orders and payments like any other;
- cash receipts (현금영수증): each receipt standing at Bootpay (issued, its cancel unanswered or refused;
  `payments.cash_receipts.selectors.cash_receipts_standing`), booked on the day of its `issued_at`, is
  split over the sellers of its order by what each kept in the payment when the receipt's amount was
  decided (its lines − its shares of the cancellations that had succeeded by the receipt's `created_at`),
  taxable and tax-free apart, largest remainder as for refunds (`apportion`): Σ sellers = Σ receipts.
  A cancelled receipt counts nowhere; its re-issue counts on its own day. Informational: not in net.
Only the REST, GraphQL and command adapters call this module (and the statement reconciliation).
A statement is served from the per-(seller, KST day) rollups and the bookings not folded yet
(`statement_rollup_rows`, kept by `payments.statements.services` in the money transactions); the raw-row
selectors below (`statement_sales`, `statement_refunds`) are the reference the reconciliation checks the
rollups against. Cash receipts are computed from their raw rows. The CSV is `payments.statements.csv`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connections, router
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Seller
from orders.selectors import Role, user_role
from payments.cash_receipts.selectors import cash_receipts_standing
from payments.models import Cancellation, CancellationShare, Payment
from payments.money import Money  # total, taxable, tax_free
from payments.services.settle import apportion
from payments.statements.models import SellerDayRollup, StatementBooking
from payments.statements.services import REFUND, ROLLUP_COLUMNS, SALE

STATEMENT_TIME_ZONE = "Asia/Seoul"
STATEMENT_MAX_DAYS = 366
# Orders (and so statements) are in won only: the order model's currency, held by a check constraint.
STATEMENT_CURRENCY = Order._meta.get_field("currency").default


@dataclass(frozen=True)
class CountedMoney(Money):
    # sales: (payment, seller) pairs; refunds: (cancellation, seller); cash receipts: (receipt, seller)
    count: int


@dataclass(frozen=True)
class StatementDay:
    date: date
    gross: CountedMoney
    refunds: CountedMoney
    net: Money
    cash_receipts: CountedMoney  # the seller's part of the cash receipts issued on the day


@dataclass(frozen=True)
class SellerStatement:
    seller_id: int
    seller_name: str
    gross: CountedMoney
    refunds: CountedMoney
    net: Money
    cash_receipts: CountedMoney
    days: list[StatementDay]  # only days with a sale, a refund or a cash receipt, oldest first


@dataclass(frozen=True)
class StatementTotal:
    gross: CountedMoney
    refunds: CountedMoney
    net: Money
    cash_receipts: CountedMoney


@dataclass(frozen=True)
class Statement:
    date_from: date  # inclusive
    date_to: date  # inclusive
    sellers: list[SellerStatement]  # by seller name, then id
    total: StatementTotal | None  # staff only; None for a seller's own statement


# --- Entry points (adapters call only these) ------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _period_date(value: object, field: str) -> date:
    if value is None or value == "":
        raise DomainError.invalid(field, "required, as YYYY-MM-DD")
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DomainError.invalid(field, "not a date: use YYYY-MM-DD")


def statement_period(*, date_from: object, date_to: object) -> tuple[date, date]:
    """ "YYYY-MM-DD" strings (or dates) → the period's dates, both inclusive, in Asia/Seoul.

    validation_error naming `from` / `to` when missing, malformed, to < from, or longer than
    STATEMENT_MAX_DAYS days."""
    start, end = _period_date(date_from, "from"), _period_date(date_to, "to")
    if end < start:
        raise DomainError.invalid("to", "must not be before from")
    if (end - start).days + 1 > STATEMENT_MAX_DAYS:
        raise DomainError.invalid("to", f"a period is at most {STATEMENT_MAX_DAYS} days")
    if end == date.max:
        raise DomainError.invalid("to", "out of range")
    return start, end


def seller_statement(
    *,
    user: AbstractBaseUser | AnonymousUser,
    date_from: date,
    date_to: date,
    seller_id: int | str | None = None,
) -> Statement:
    """A seller: its own statement (listed even with no activity; another seller's id →
    permission_denied). Staff: every seller with activity (or only `seller_id`, not_found when there
    is no such seller) and the total. Anyone else: permission_denied."""
    seller_pk = _seller_pk(seller_id)
    role = user_role(user)
    if role == Role.STAFF:
        return staff_statement(date_from=date_from, date_to=date_to, seller_id=seller_pk)
    own = Seller.objects.filter(user_id=user.pk).first() if role == Role.SELLER else None
    if own is None or (seller_pk is not None and seller_pk != own.pk):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return _statement(date_from, date_to, sellers={own.pk: own.name}, with_total=False)


def staff_statement(*, date_from: date, date_to: date, seller_id: int | None = None) -> Statement:
    """Staff's statement (also the `statement` command's): every seller with activity in the period,
    or only `seller_id` (listed even with none; not_found when no such seller), and the total."""
    sellers = None
    if seller_id is not None:
        seller = Seller.objects.filter(pk=seller_id).values_list("pk", "name").first()
        if seller is None:
            raise DomainError(ErrorCode.NOT_FOUND, details={"seller": seller_id})
        sellers = dict([seller])
    return _statement(date_from, date_to, sellers=sellers, with_total=True)


def _seller_pk(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18 and int(value):
        return int(value)
    raise DomainError.invalid("seller", "not a seller id")


# --- The booking rules, once: what counts as a sale and as a refund of a period --------------------


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The period as [start, end) instants: midnight of `date_from` to midnight after `date_to`, KST."""
    zone = ZoneInfo(STATEMENT_TIME_ZONE)
    return (
        datetime.combine(date_from, time.min, tzinfo=zone),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone),
    )


def sold_in(start: datetime, end: datetime, *, prefix: str = "") -> Q:
    """Payments that took the order's money, booked on their `purchased_at` (`prefix`: the path to
    the payment from the queried model)."""
    return Q(
        **{
            f"{prefix}status__in": Payment.SOLD_STATUSES,
            f"{prefix}purchased_at__gte": start,
            f"{prefix}purchased_at__lt": end,
        }
    )


def refunded_in(start: datetime, end: datetime, *, prefix: str = "") -> Q:
    """Succeeded cancellations of payments that sold, booked on their `completed_at` (`prefix`: the
    path to the cancellation)."""
    return Q(
        **{
            f"{prefix}state": Cancellation.State.SUCCEEDED,
            f"{prefix}completed_at__gte": start,
            f"{prefix}completed_at__lt": end,
            f"{prefix}payment__status__in": Payment.SOLD_STATUSES,
        }
    )


def _day(path: str) -> TruncDate:
    return TruncDate(path, tzinfo=ZoneInfo(STATEMENT_TIME_ZONE))


def statement_sales(date_from: date, date_to: date) -> QuerySet[OrderItem]:
    """One row per (seller, KST day): sales count, taxable and tax-free money sold."""
    start, end = period_bounds(date_from, date_to)
    line_total = F("unit_price") * F("quantity")
    return (
        OrderItem.objects.filter(sold_in(start, end, prefix="order__payments__"))
        .values("seller_id", day=_day("order__payments__purchased_at"))
        .annotate(
            # One sold payment per order at most (payment_one_live_per_order): orders count payments.
            count=Count("order_id", distinct=True),
            taxable=Coalesce(Sum(line_total, filter=Q(is_tax_free=False)), 0),
            tax_free=Coalesce(Sum(line_total, filter=Q(is_tax_free=True)), 0),
        )
        .order_by()
    )


def statement_refunds(date_from: date, date_to: date) -> QuerySet[CancellationShare]:
    """One row per (seller, KST day): refunds count, their amount and tax-free part."""
    start, end = period_bounds(date_from, date_to)
    return (
        CancellationShare.objects.filter(refunded_in(start, end, prefix="cancellation__"))
        .values("seller_id", day=_day("cancellation__completed_at"))
        .annotate(count=Count("pk"), amount=Sum("amount"), tax_free=Sum("tax_free_amount"))
        .order_by()
    )


def statement_payment_totals(date_from: date, date_to: date) -> tuple[Money, Money]:
    """What the payments themselves say of the period (sold, refunded), to check the statement by."""
    start, end = period_bounds(date_from, date_to)
    sold = Payment.objects.filter(sold_in(start, end)).aggregate(
        total=Coalesce(Sum("amount"), 0), tax_free=Coalesce(Sum("tax_free_amount"), 0)
    )
    refunded = Cancellation.objects.filter(refunded_in(start, end)).aggregate(
        total=Coalesce(Sum("amount"), 0), tax_free=Coalesce(Sum("tax_free_amount"), 0)
    )
    return (
        _money(sold["total"] - sold["tax_free"], sold["tax_free"]),
        _money(refunded["total"] - refunded["tax_free"], refunded["tax_free"]),
    )


def statement_cash_receipts(
    date_from: date, date_to: date, *, sellers: list[int] | None = None
) -> dict[tuple[int, date], CountedMoney]:
    """{(seller, KST day): its part of the cash receipts issued that day} (only `sellers`' when given).
    Two queries, whatever the number of receipts (one when the period has none): per (receipt, seller)
    the order's lines, and the seller's shares of the payment's cancellations that had succeeded when the
    receipt was asked for."""
    start, end = period_bounds(date_from, date_to)
    receipts = cash_receipts_standing(issued_from=start, issued_before=end)
    if sellers is not None:  # every seller of those orders still weighs in the split
        receipts = receipts.filter(
            Exists(OrderItem.objects.filter(order_id=OuterRef("order_id"), seller_id__in=sellers))
        )
    line_total = F("order__items__unit_price") * F("order__items__quantity")
    lines = (
        receipts.values(
            "pk", "amount", "tax_free", day=_day("issued_at"), seller=F("order__items__seller_id")
        )
        .annotate(
            lines_taxable=Coalesce(Sum(line_total, filter=Q(order__items__is_tax_free=False)), 0),
            lines_tax_free=Coalesce(Sum(line_total, filter=Q(order__items__is_tax_free=True)), 0),
        )
        .order_by()
    )
    shares = "payment__cancellations__shares__"
    spent = (  # driven by the period's receipts (their index), the payment's cancellations joined to them
        receipts.filter(
            payment__cancellations__state=Cancellation.State.SUCCEEDED,
            payment__cancellations__completed_at__lte=F("created_at"),
        )
        .values(receipt=F("pk"), seller_id=F(f"{shares}seller_id"))
        .annotate(amount=Sum(f"{shares}amount"), tax_free=Sum(f"{shares}tax_free_amount"))
        .filter(amount__isnull=False)
        .order_by()
    )
    by_receipt: dict[int, list[dict]] = defaultdict(list)
    for row in lines:
        by_receipt[row["pk"]].append(row)
    if not by_receipt:
        return {}  # no standing receipt in the period: nothing was spent before one
    spent_by = {(row["receipt"], row["seller_id"]): row for row in spent}
    found: dict[tuple[int, date], CountedMoney] = defaultdict(lambda: _ZERO)
    for receipt, rows in by_receipt.items():
        left_taxable, left_tax_free, every_line = {}, {}, {}
        for row in rows:
            used = spent_by.get((receipt, row["seller"]), {"amount": 0, "tax_free": 0})
            left_taxable[row["seller"]] = row["lines_taxable"] - (used["amount"] - used["tax_free"])
            left_tax_free[row["seller"]] = row["lines_tax_free"] - used["tax_free"]
            every_line[row["seller"]] = row["lines_taxable"] + row["lines_tax_free"]
        amount, tax_free, day = rows[0]["amount"], rows[0]["tax_free"], rows[0]["day"]
        taxable_of = apportion(amount - tax_free, [left_taxable, every_line])
        tax_free_of = apportion(tax_free, [left_tax_free, every_line])
        for seller in every_line:
            if (sellers is None or seller in sellers) and taxable_of[seller] + tax_free_of[seller] > 0:
                part = _counted(1, taxable_of[seller], tax_free_of[seller])
                found[(seller, day)] = _add(found[(seller, day)], part)
    return dict(found)


# --- Building the statement ------------------------------------------------------------------------


def _money(taxable: int, tax_free: int) -> Money:
    return Money.of(taxable=taxable, tax_free=tax_free)


def _counted(count: int, taxable: int, tax_free: int) -> CountedMoney:
    return CountedMoney(amount=taxable + tax_free, tax_free=tax_free, count=count)


_ZERO = _counted(0, 0, 0)


def _add(a: CountedMoney, b: CountedMoney) -> CountedMoney:
    return _counted(a.count + b.count, a.taxable + b.taxable, a.tax_free + b.tax_free)


def _sum_of(parts: list[CountedMoney]) -> CountedMoney:
    """Σ of counted amounts, built once (a statement adds up hundreds of days)."""
    if not parts:
        return _ZERO
    return CountedMoney(
        amount=sum(part.amount for part in parts),
        tax_free=sum(part.tax_free for part in parts),
        count=sum(part.count for part in parts),
    )


def net_of(gross: Money, refunds: Money) -> Money:
    return _money(gross.taxable - refunds.taxable, gross.tax_free - refunds.tax_free)


def statement_rollup_rows(
    date_from: date, date_to: date, *, sellers: list[int] | None = None
) -> list[tuple[int, str, date, int, int, int, int, int, int]]:
    """(seller, name, day, sales count, taxable, tax-free, refunds count, taxable, tax-free) of every
    (seller, KST day) of the period with a sale or a refund (only `sellers`' when given), served from the
    rollups plus the bookings not folded yet, in ONE query: a fold committing meanwhile is seen whole or
    not at all (one snapshot), so nothing is missed or counted twice. A seller's own reads only its rows
    (the rollups' (seller, day) key, the unfolded bookings' partial (seller, day) index)."""
    connection = connections[router.db_for_read(SellerDayRollup)]  # the replica when the caller opted in
    rollup, booking = (
        connection.ops.quote_name(m._meta.db_table) for m in (SellerDayRollup, StatementBooking)
    )
    seller_table = connection.ops.quote_name(Seller._meta.db_table)
    bounds = [connection.ops.adapt_datefield_value(d) for d in (date_from, date_to)]
    only, only_params = "", []
    if sellers is not None:
        only, only_params = f" AND seller_id IN ({', '.join(['%s'] * len(sellers))})", list(sellers)
    sums = ", ".join(f"CAST(SUM({name}) AS BIGINT)" for name in ROLLUP_COLUMNS)  # ints, not decimals
    of_kind = ", ".join(
        f"CASE WHEN kind = '{kind}' THEN {column} ELSE 0 END"
        for kind in (SALE, REFUND)
        for column in ("count", "taxable", "tax_free")
    )
    sql = (
        f"SELECT t.seller_id, s.name, t.day, {sums} FROM ("
        f"SELECT seller_id, day, {', '.join(ROLLUP_COLUMNS)} FROM {rollup} "
        f"WHERE day >= %s AND day <= %s{only} "
        f"UNION ALL SELECT seller_id, day, {of_kind} FROM {booking} "
        f"WHERE NOT folded AND day >= %s AND day <= %s{only}"
        f") t JOIN {seller_table} s ON s.id = t.seller_id GROUP BY t.seller_id, s.name, t.day "
        f"HAVING {' OR '.join(f'SUM({name}) <> 0' for name in ROLLUP_COLUMNS)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bounds, *only_params, *bounds, *only_params])
        return [(seller, name, _as_date(day), *rest) for seller, name, day, *rest in cursor.fetchall()]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite answers text


def _statement(
    date_from: date, date_to: date, *, sellers: dict[int, str] | None, with_total: bool
) -> Statement:
    """One query for the sales and refunds (rollups + unfolded bookings, with the sellers' names), two for
    the cash receipts. `sellers`: only these (listed even without activity); None: every seller with
    activity."""
    days: dict[int, dict[date, list[CountedMoney]]] = defaultdict(
        lambda: defaultdict(lambda: [_ZERO, _ZERO, _ZERO])
    )
    names: dict[int, str] = {}
    rows = statement_rollup_rows(date_from, date_to, sellers=None if sellers is None else list(sellers))
    for seller_pk, name, day, sales, taxable, tax_free, refunds, refunded_taxable, refunded_tax_free in rows:
        names[seller_pk] = name
        days[seller_pk][day][0] = _counted(sales, taxable, tax_free)
        days[seller_pk][day][1] = _counted(refunds, refunded_taxable, refunded_tax_free)
    receipts = statement_cash_receipts(date_from, date_to, sellers=None if sellers is None else list(sellers))
    for (seller_pk, day), part in receipts.items():
        days[seller_pk][day][2] = part
    if sellers is None:
        missing = [pk for pk in days if pk not in names]  # a seller whose only activity is a cash receipt
        sellers = names | (
            dict(Seller.objects.filter(pk__in=missing).values_list("pk", "name")) if missing else {}
        )
    listed = []
    for seller_pk, name in sorted(sellers.items(), key=lambda pair: (pair[1], pair[0])):
        entries = [
            StatementDay(date=day, gross=gross, refunds=refund, net=net_of(gross, refund), cash_receipts=cash)
            for day, (gross, refund, cash) in sorted(days.get(seller_pk, {}).items())
        ]
        gross = _sum_of([entry.gross for entry in entries])
        refund = _sum_of([entry.refunds for entry in entries])
        cash = _sum_of([entry.cash_receipts for entry in entries])
        listed.append(
            SellerStatement(
                seller_id=seller_pk,
                seller_name=name,
                gross=gross,
                refunds=refund,
                net=net_of(gross, refund),
                cash_receipts=cash,
                days=entries,
            )
        )
    total = None
    if with_total:
        gross = _sum_of([seller.gross for seller in listed])
        refund = _sum_of([seller.refunds for seller in listed])
        cash = _sum_of([seller.cash_receipts for seller in listed])
        total = StatementTotal(gross=gross, refunds=refund, net=net_of(gross, refund), cash_receipts=cash)
    return Statement(date_from=date_from, date_to=date_to, sellers=listed, total=total)
