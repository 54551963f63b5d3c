"""The statement rollups: bookings written with the money, once; the fold; corrections; repair; the check."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from payments.models import Cancellation, Payment, PaymentEvent
from payments.services import payment_cancel
from payments.services.common import payment_refunded
from payments.statements.models import SellerDayRollup, StatementBooking
from payments.statements.reconcile import raw_statement_rows, rollup_differences, statement_reconcile
from payments.statements.selectors import seller_statement, staff_statement, statement_rollup_rows
from payments.statements.services import rollups_fold, rollups_fold_all
from payments.statements.tasks import statement_rollups_fold_task
from tests.payments.statements.support import kst, kst_today, rebook

pytestmark = pytest.mark.django_db


def served(day_from, day_to, sellers=None) -> dict:
    return {
        (seller, day): tuple(rest)
        for seller, _, day, *rest in statement_rollup_rows(day_from, day_to, sellers=sellers)
    }


def bookings() -> list[tuple]:
    return list(
        StatementBooking.objects.order_by("kind", "source_id", "seller_id", "revision").values_list(
            "kind", "source_id", "seller_id", "revision", "day", "count", "taxable", "tax_free"
        )
    )


@pytest.fixture
def sale(two_sellers, product_of, pay_lines):
    """A's 30,000 taxable line and B's 20,000 taxable + 5,000 tax-free lines in one order, paid today."""
    a, b, pa, pb = two_sellers
    return pay_lines((pa, 1), (pb, 1), (product_of(b, 5_000, tax_free=True), 1))


def test_a_sale_books_each_seller_its_lines_on_the_kst_day_of_purchase(two_sellers, sale):
    a, b, _, _ = two_sellers
    today = kst_today()

    assert bookings() == [
        ("sale", sale.pk, a.pk, 0, today, 1, 30_000, 0),
        ("sale", sale.pk, b.pk, 0, today, 1, 20_000, 5_000),
    ]
    assert served(today, today) == {
        (a.pk, today): (1, 30_000, 0, 0, 0, 0),
        (b.pk, today): (1, 20_000, 5_000, 0, 0, 0),
    }


def test_a_refund_books_each_seller_its_share_on_the_kst_day_it_succeeded(staff, two_sellers, sale):
    a, b, _, _ = two_sellers
    refund = payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=11_000, tax_free_amount=1_000)
    today = kst_today()

    refunds = [row for row in bookings() if row[0] == "refund"]
    shares = {s.seller_id: (s.amount, s.tax_free_amount) for s in refund.shares.all()}
    assert [(r[1], r[2], r[4], r[5], r[6] + r[7], r[7]) for r in refunds] == [
        (refund.pk, seller, today, 1, *shares[seller]) for seller in sorted(shares)
    ]
    assert served(today, today) == raw_statement_rows(today, today)


def test_repeated_signals_book_nothing_twice(staff, sale):
    refund = payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=4_000)
    before = bookings()
    verified = PaymentEvent.objects.get(payment=sale, kind="verified")
    payment = Payment.objects.get(pk=sale.pk)

    for _ in range(2):
        post_save.send(sender=PaymentEvent, instance=verified, created=True)
        payment_refunded.send(sender=Payment, payment=payment, order=payment.order, cancellation=refund)

    assert bookings() == before and len(before) == 4
    assert served(kst_today(), kst_today()) == raw_statement_rows(kst_today(), kst_today())


def test_a_rolled_back_sale_or_refund_leaves_no_booking(staff, two_sellers, pay_lines, sale):
    _, _, pa, _ = two_sellers
    before = bookings()

    with pytest.raises(RuntimeError), transaction.atomic():
        pay_lines((pa, 2))
        payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=1_000)
        inside = bookings()  # booked inside the transaction (a sale, a refund of each seller)…
        assert len(inside) == len(before) + 3 and [row[0] for row in inside].count("refund") == 2
        raise RuntimeError("the request fails after the money moved in our books")

    assert bookings() == before  # …and gone with it


def test_a_failed_cancellation_or_an_unsold_payment_books_nothing(
    staff, sale, bootpay, make_order, pay_at_pg
):
    from config.errors import DomainError
    from payments.services import payment_verify

    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_REFUSED", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=1_000)
    order = make_order()
    with pytest.raises(DomainError):  # amount mismatch: a failed payment, refunded at once
        payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, price=1), actor=order.buyer)

    assert [row[0] for row in bookings()] == ["sale", "sale"]
    assert Cancellation.objects.filter(state="succeeded").count() == 1  # the mismatch's refund


def test_a_booking_costs_one_statement_in_the_money_transaction(staff, two_sellers, pay_lines, sale):
    _, _, pa, pb = two_sellers
    with CaptureQueriesContext(connection) as paying:
        pay_lines((pa, 1), (pb, 2))
    with CaptureQueriesContext(connection) as refunding:
        payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=2_000)

    for captured in (paying, refunding):
        touching = [q["sql"] for q in captured.captured_queries if "statements_" in q["sql"]]
        assert len(touching) == 1 and touching[0].startswith("INSERT INTO"), touching


def test_folding_moves_bookings_into_rollups_and_changes_no_statement(staff, two_sellers, pay_lines, sale):
    _, _, pa, pb = two_sellers
    payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=7_000)
    today = kst_today()
    before = staff_statement(date_from=today, date_to=today)

    assert statement_rollups_fold_task() == 4
    assert not StatementBooking.objects.filter(folded=False).exists()
    assert SellerDayRollup.objects.count() == 2
    assert staff_statement(date_from=today, date_to=today) == before
    pay_lines((pa, 1), (pb, 1))  # after a fold: rollups + the new bookings
    assert served(today, today) == raw_statement_rows(today, today)
    assert rollups_fold() == 2 and rollups_fold() == 0
    assert served(today, today) == raw_statement_rows(today, today)


def test_a_fold_in_batches_moves_every_booking_once(two_sellers, pay_lines):
    _, _, pa, pb = two_sellers
    for _ in range(3):
        pay_lines((pa, 1), (pb, 1))
    today = kst_today()

    assert [rollups_fold(batch=4), rollups_fold(batch=4), rollups_fold(batch=4)] == [4, 2, 0]
    assert served(today, today) == raw_statement_rows(today, today)
    assert {r.sales_count for r in SellerDayRollup.objects.all()} == {3}


def test_a_statement_costs_a_fixed_number_of_queries_as_data_grows_and_folds(
    staff, make_seller, product_of, pay_lines
):
    first = make_seller()
    pay_lines((product_of(first, 1_000), 1))
    today = kst_today()

    def counts():
        with CaptureQueriesContext(connection) as own:
            seller_statement(user=first.user, date_from=today, date_to=today)
        with CaptureQueriesContext(connection) as every:
            staff_statement(date_from=today - timedelta(days=30), date_to=today)
        return len(own), len(every)

    one = counts()
    for round_ in range(3):
        for _ in range(3):
            seller = make_seller()
            payment = pay_lines((product_of(seller, 2_000), 1), (product_of(first, 3_000, tax_free=True), 2))
            payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=1_500)
        if round_ % 2:
            rollups_fold_all()
        # own: the caller's seller, the rollups (one query); staff: the rollups with names; each + 1 for
        # the cash receipts (their second query only runs when the period has a standing receipt)
        assert counts() == one == (3, 2)


def test_rebook_appends_the_correction_of_a_moved_sale_and_refund(staff, two_sellers, sale):
    a, b, _, _ = two_sellers
    refund = payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=6_000)
    rollups_fold_all()
    today = kst_today()
    earlier, later = today - timedelta(days=3), today + timedelta(days=2)
    Payment.objects.filter(pk=sale.pk).update(purchased_at=kst(earlier, 9))
    Cancellation.objects.filter(pk=refund.pk).update(completed_at=kst(later, 9))
    assert rollup_differences(earlier, later) != []  # the raw rows moved, the bookings did not yet

    rebook(sale)

    corrections = StatementBooking.objects.filter(revision__gt=0)
    assert sorted(corrections.values_list("kind", "seller_id", "revision", "day", "count")) == sorted(
        [("sale", a.pk, 1, earlier, 1), ("sale", a.pk, 2, today, -1)]
        + [("sale", b.pk, 1, earlier, 1), ("sale", b.pk, 2, today, -1)]
        + [("refund", s.seller_id, 1, today, -1) for s in refund.shares.all()]
        + [("refund", s.seller_id, 2, later, 1) for s in refund.shares.all()]
    )
    assert rollup_differences(earlier, later) == []
    rebook(sale)  # nothing left to correct
    assert StatementBooking.objects.filter(revision__gt=0).count() == corrections.count()
    rollups_fold_all()
    assert served(today, today) == {}  # the day the sale and refund left is empty, not zeros
    assert served(earlier, later) == raw_statement_rows(earlier, later)


def test_reconcile_statement_reports_a_rollup_that_differs_from_the_raw_rows_and_rebuild_repairs_it(
    two_sellers, sale, bootpay
):
    a, _, _, _ = two_sellers
    rollups_fold_all()
    today = kst_today()
    SellerDayRollup.objects.filter(seller=a).update(sales_taxable=29_999)

    found = [d for d in statement_reconcile(date_from=today, date_to=today).differences if d.kind == "rollup"]

    assert [(d.receipt_id, d.ours, d.theirs) for d in found] == [
        ("", (1, 29_999, 0, 0, 0, 0), (1, 30_000, 0, 0, 0, 0))
    ]
    assert str(a.pk) in found[0].detail and today.isoformat() in found[0].detail
    call_command("statement_rollups_rebuild", "--from", today.isoformat(), "--to", today.isoformat())
    assert statement_reconcile(date_from=today, date_to=today).differences == []


def test_the_backfill_books_raw_rows_that_have_no_booking(staff, two_sellers, pay_lines, sale, capsys):
    payment_cancel(payment_pk=sale.pk, actor=staff, reason="x", amount=3_000)
    today = kst_today()
    expected = raw_statement_rows(today, today)
    StatementBooking.objects.all().delete()  # as before the rollups existed

    assert served(today, today) == {}
    call_command("statement_rollups_rebuild", "--backfill")
    call_command("statement_rollups_rebuild", "--backfill")  # again: books nothing twice

    assert "folded=4" in capsys.readouterr().out
    assert served(today, today) == expected
    assert not StatementBooking.objects.filter(folded=False).exists()
    pay_lines((two_sellers[2], 1))  # a sale since: one unfolded booking, folded by the cron's command
    call_command("statement_rollups_rebuild", "--fold")
    assert "folded=1" in capsys.readouterr().out
    assert served(today, today) == raw_statement_rows(today, today)


def test_rebooking_a_failed_payment_of_an_order_another_payment_sold_appends_nothing(
    buyer, two_sellers, pay_at_pg, bootpay
):
    from config.errors import DomainError
    from orders.services import OrderLine, order_create
    from payments.services import payment_verify

    _, _, pa, pb = two_sellers
    order = order_create(buyer=buyer, lines=[OrderLine(pa.pk, 1), OrderLine(pb.pk, 1)])
    with pytest.raises(DomainError):  # paid the wrong amount: failed, refunded
        payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, price=1), actor=buyer)
    failed = Payment.objects.get(order=order, status="failed")
    sold = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    before = bookings()

    rebook(failed)
    rebook(failed, sold)

    assert bookings() == before and {row[1] for row in before} == {sold.pk}
