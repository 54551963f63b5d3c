"""A statement's queries, and reconcile_statement's, read a period's payments and cancellations through
their indexes.

As the list EXPLAIN tests do: the plans PostgreSQL chooses for the very SQL the statement sends, on
tables seeded large enough (and ANALYZEd) that a sequential scan would win without a fitting index.
No planner setting is touched. (How the other tables are joined to the period's rows is the
planner's choice for the table sizes at hand: a hash join at this size, index probes at scale.)
"""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderItem
from payments.cash_receipts.models import CashReceiptIssuance
from payments.models import Cancellation, CancellationShare, Payment
from payments.statements.models import SellerDayRollup, StatementBooking
from payments.statements.reconcile import raw_statement_rows, statement_reconcile
from payments.statements.selectors import seller_statement, staff_statement
from payments.statements.services import bookings_backfill, rollups_fold_all
from tests.payments.statements.support import kst

pytestmark = pytest.mark.django_db

DAYS = 400
PER_DAY = 40
FIRST = date(2025, 1, 1)


def _plan_nodes(plan: dict) -> list[tuple[str, str | None, str | None]]:
    nodes = [(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


def _explain(sql: str, params) -> list[tuple[str, str | None, str | None]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (document,) = cursor.fetchone()
    document = json.loads(document) if isinstance(document, str) else document
    return _plan_nodes(document[0]["Plan"])


@pytest.fixture
def seeded(buyer, make_product):
    """16,000 paid orders over 400 days from 20 shops, each with a line, a payment and a refund."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    products = [make_product(stock=0) for _ in range(20)]
    count = DAYS * PER_DAY
    orders = Order.objects.bulk_create(
        (
            Order(buyer=buyer, order_name="x", total_amount=1_000, expires_at="2030-01-01T00:00Z")
            for _ in range(count)
        ),
        batch_size=2_000,
    )
    OrderItem.objects.bulk_create(
        (
            OrderItem(
                order=order,
                product=products[n % 20],
                seller_id=products[n % 20].seller_id,
                product_name="p",
                quantity=1,
                unit_price=1_000,
                status="paid",
            )
            for n, order in enumerate(orders)
        ),
        batch_size=2_000,
    )
    payments = Payment.objects.bulk_create(
        (
            Payment(
                order=order,
                receipt_id=f"r{order.pk}",
                amount=1_000,
                status="partially_cancelled",
                cancelled_amount=100,
                purchased_at=kst(FIRST + timedelta(days=n // PER_DAY), 12),
            )
            for n, order in enumerate(orders)
        ),
        batch_size=2_000,
    )
    cancellations = Cancellation.objects.bulk_create(
        (
            Cancellation(
                payment=payment,
                amount=100,
                reason="x",
                state="succeeded",
                completed_at=kst(FIRST + timedelta(days=n // PER_DAY), 13),
            )
            for n, payment in enumerate(payments)
        ),
        batch_size=2_000,
    )
    CancellationShare.objects.bulk_create(
        (
            CancellationShare(cancellation=c, seller_id=products[n % 20].seller_id, amount=100)
            for n, c in enumerate(cancellations)
        ),
        batch_size=2_000,
    )
    CashReceiptIssuance.objects.bulk_create(
        (
            CashReceiptIssuance(
                order_id=payment.order_id,
                payment=payment,
                kind="standalone",
                standalone_order_id=f"o{payment.pk}-cr1",
                amount=900,
                type="income_deduction",
                identifier_encrypted="x",
                identifier_masked="010-****-5678",
                state="issued",
                issued_at=kst(FIRST + timedelta(days=n // PER_DAY), 14),
            )
            for n, payment in enumerate(payments)
        ),
        batch_size=2_000,
    )
    # Rows made with bulk_create, as before the rollups existed: the migration's backfill books them.
    bookings_backfill()
    rollups_fold_all()
    tables = (Order, OrderItem, Payment, Cancellation, CancellationShare, CashReceiptIssuance)
    with connection.cursor() as cursor:
        for model in (*tables, StatementBooking, SellerDayRollup):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return products


def test_a_weeks_raw_rows_are_read_through_the_payments_and_cancellations_indexes(seeded):
    """The raw-row computation reconcile_statement checks the rollups against (the statement's reference)."""
    week = (FIRST + timedelta(days=200), FIRST + timedelta(days=206))
    with CaptureQueriesContext(connection) as captured:
        rows = raw_statement_rows(week[0], week[1])
    assert sum(row[0] for row in rows.values()) == 7 * PER_DAY
    assert sum(row[4] + row[5] for row in rows.values()) == 7 * PER_DAY * 100

    # the grouped sales and refunds queries, by the tables they read from
    sales = next(q["sql"] for q in captured.captured_queries if 'FROM "orders_orderitem"' in q["sql"])
    refunds = next(
        q["sql"] for q in captured.captured_queries if 'FROM "payments_cancellationshare"' in q["sql"]
    )
    sales_plan = _explain(sales, None)
    refunds_plan = _explain(refunds, None)

    # the period is found through its index, never by reading every payment or cancellation for it
    assert ("Index Scan", "payments_payment", "payment_purchased_idx") in sales_plan, sales_plan
    assert ("Bitmap Index Scan", None, "cancellation_booked_idx") in refunds_plan or (
        "Index Scan",
        "payments_cancellation",
        "cancellation_booked_idx",
    ) in refunds_plan, refunds_plan
    assert ("Seq Scan", "payments_payment", None) not in sales_plan, sales_plan
    assert ("Seq Scan", "payments_cancellation", None) not in refunds_plan, refunds_plan


ROLLUP_TABLES = ("statements_sellerdayrollup", "statements_statementbooking")
RAW_TABLES = ("payments_payment", "orders_orderitem", "payments_cancellation", "payments_cancellationshare")


def test_a_sellers_statement_reads_only_its_rollup_rows_and_no_payment_or_line(seeded):
    """A seller's own statement: its (seller, day) rollups through their key and its unfolded bookings
    through their partial index, in one query that reads no table of payments, lines or cancellations.
    (The cash-receipt queries find the period's receipts by their index, as the test below pins; how they
    join cancellations to them is the planner's choice for the table sizes at hand.)"""
    seller = seeded[3].seller
    week = (FIRST + timedelta(days=200), FIRST + timedelta(days=206))
    with CaptureQueriesContext(connection) as captured:
        statement = seller_statement(user=seller.user, date_from=week[0], date_to=week[1])
    (own,) = statement.sellers
    assert (own.seller_id, own.gross.count, own.refunds.total) == (seller.pk, 7 * 2, 7 * 2 * 100)

    (served,) = [q["sql"] for q in captured.captured_queries if "statements_sellerdayrollup" in q["sql"]]
    plan = _explain(served, None)
    assert any(index == "statement_rollup_seller_day" for _, _, index in plan), plan
    assert any(index == "statement_booking_unfolded_idx" for _, _, index in plan), plan
    for table in (*RAW_TABLES, *ROLLUP_TABLES):
        assert ("Seq Scan", table, None) not in plan, plan
    assert all(table not in served for table in RAW_TABLES), served


def test_staffs_statement_reads_the_periods_rollups_through_the_day_index(seeded):
    week = (FIRST + timedelta(days=200), FIRST + timedelta(days=206))
    with CaptureQueriesContext(connection) as captured:
        statement = staff_statement(date_from=week[0], date_to=week[1])
    assert statement.total.gross.count == 7 * PER_DAY and statement.total.refunds.total == 7 * PER_DAY * 100

    (served,) = [q["sql"] for q in captured.captured_queries if "statements_sellerdayrollup" in q["sql"]]
    plan = _explain(served, None)
    assert any(index == "statement_rollup_day_idx" for _, _, index in plan), plan
    for table in (*RAW_TABLES, *ROLLUP_TABLES):
        assert ("Seq Scan", table, None) not in plan, plan


def test_a_weeks_cash_receipt_columns_read_the_receipts_through_their_index(seeded):
    """The two cash-receipt queries (receipts with their lines, shares spent before them) find the week's
    standing receipts through `cash_receipt_issued_idx`, never by reading every receipt."""
    week = (FIRST + timedelta(days=200), FIRST + timedelta(days=206))
    with CaptureQueriesContext(connection) as captured:
        statement = staff_statement(date_from=week[0], date_to=week[1])
    assert statement.total.cash_receipts.count == 7 * PER_DAY
    assert statement.total.cash_receipts.total == 7 * PER_DAY * 900

    receipt_queries = [
        q["sql"] for q in captured.captured_queries if '"cash_receipts_cashreceiptissuance"' in q["sql"]
    ]
    assert len(receipt_queries) == 2, receipt_queries
    for sql in receipt_queries:
        plan = _explain(sql, None)
        assert any(index == "cash_receipt_issued_idx" for _, _, index in plan), plan
        assert ("Seq Scan", "cash_receipts_cashreceiptissuance", None) not in plan, plan


class _RefusingGateway:
    """Every lookup refused at once: only our own queries matter here."""

    def lookup_receipt(self, receipt_id):
        from payments.gateway import GatewayError

        raise GatewayError("RC_NOT_FOUND", "no such receipt")


def test_reconcile_statement_finds_a_days_payments_through_indexes_not_by_reading_every_table(seeded):
    """A day's reconcile_statement over 16,000 payments and cancellations (400 days): the query listing the
    period's active payments (bought, created, or with a cancellation completed in the period) reads
    neither table whole, so its cost grows with the period, not with all history."""
    day = FIRST + timedelta(days=200)
    with CaptureQueriesContext(connection) as captured:
        result = statement_reconcile(date_from=day, date_to=day, gateway=_RefusingGateway())
    assert len([d for d in result.differences if d.kind == "lookup_refused"]) == PER_DAY

    active = next(
        q["sql"]
        for q in captured.captured_queries
        if "UNION" in q["sql"] and '"payments_payment"."purchased_at"' in q["sql"]
    )
    plan = _explain(active, None)
    assert ("Seq Scan", "payments_payment", None) not in plan, plan
    assert ("Seq Scan", "payments_cancellation", None) not in plan, plan
