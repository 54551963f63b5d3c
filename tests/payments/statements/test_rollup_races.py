"""Races on PostgreSQL: sales and refunds of one seller's day booked at once while folds run stay exact,
and a booking committing after a fold began is folded by the next one, never lost or added twice."""

import threading
import time

import pytest
from django.db import connections, transaction

from payments.services import payment_cancel
from payments.statements.models import SellerDayRollup, StatementBooking
from payments.statements.reconcile import raw_statement_rows, rollup_differences
from payments.statements.selectors import statement_rollup_rows
from payments.statements.services import rollups_fold, rollups_fold_all
from tests.concurrency import run_at_once
from tests.payments.statements.support import kst_today

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_sales_and_refunds_of_one_sellers_day_at_once_with_folds_running_stay_exact(
    staff, two_sellers, product_of, pay_lines
):
    a, b, pa, pb = two_sellers
    tax_free = product_of(a, 7_000, tax_free=True)
    paid = [pay_lines((pa, 1), (tax_free, 1), (pb, 1)) for _ in range(4)]
    stop = threading.Event()

    def sell():
        return pay_lines((pa, 1), (tax_free, 1))

    def refund(payment, amount):
        return lambda: payment_cancel(payment_pk=payment.pk, actor=staff, reason="race", amount=amount)

    folded, crashes = [], []

    def keep_folding():
        try:
            while not stop.is_set():
                folded.append(rollups_fold(batch=3))
                time.sleep(0.002)
        except Exception as exc:  # a deadlock or a lock timeout would land here
            crashes.append(exc)
        finally:
            connections.close_all()

    folders = [threading.Thread(target=keep_folding) for _ in range(2)]
    for folder in folders:
        folder.start()
    try:
        refunds = [refund(p, amount) for p in paid for amount in (1_001, 2_003)]
        results, refusals = run_at_once(*[sell] * 6, *refunds)
    finally:
        stop.set()
        for folder in folders:
            folder.join(timeout=30)

    assert crashes == [] and sum(folded) > 0
    assert refusals == []
    rollups_fold_all()
    today = kst_today()
    assert rollup_differences(today, today) == []
    rows = {seller: tuple(rest) for seller, _, _, *rest in statement_rollup_rows(today, today)}
    # A: 4 + 6 sales of 30,000 taxable and 7,000 tax-free; every refund charged in full to someone
    assert rows[a.pk][:3] == (10, 300_000, 70_000)
    assert rows[a.pk][3] + rows[b.pk][3] >= 8
    assert sum(r[4] + r[5] for r in rows.values()) == 4 * (1_001 + 2_003)
    assert not StatementBooking.objects.filter(folded=False).exists()
    assert SellerDayRollup.objects.filter(day=today).count() == 2


def test_a_booking_committed_after_a_fold_began_is_left_for_the_next_fold(two_sellers, pay_lines):
    a, _, pa, _ = two_sellers
    pay_lines((pa, 1))
    today = kst_today()
    booked, release = threading.Event(), threading.Event()

    def late_booking():
        try:
            with transaction.atomic():
                StatementBooking.objects.create(
                    kind="sale", source_id=10**12, seller=a, day=today, count=1, taxable=100, tax_free=0
                )
                booked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=late_booking)
    thread.start()
    assert booked.wait(timeout=30)

    assert rollups_fold() == 1  # the committed sale only: the open transaction's row is not seen
    release.set()
    thread.join(timeout=30)

    late = StatementBooking.objects.get(source_id=10**12)
    assert late.folded is False
    rows = {seller: tuple(rest) for seller, _, _, *rest in statement_rollup_rows(today, today)}
    assert rows[a.pk][:2] == (2, 30_100)  # served: the rollup plus the unfolded row
    assert rollups_fold() == 1 and rollups_fold() == 0
    assert SellerDayRollup.objects.get(seller=a, day=today).sales_taxable == 30_100
    assert raw_statement_rows(today, today)[(a.pk, today)][1] == 30_000  # the fake row has no raw sale


def test_a_second_fold_returns_at_once_while_one_runs(two_sellers, pay_lines):
    _, _, pa, _ = two_sellers
    pay_lines((pa, 1))
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic(), connections["default"].cursor() as cursor:
                from payments.statements.services import FOLD_LOCK_KEY

                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK_KEY])
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        assert rollups_fold() == 0  # another fold holds the lock: nothing moved, nothing waited for
    finally:
        release.set()
        thread.join(timeout=30)
    assert rollups_fold() == 1
