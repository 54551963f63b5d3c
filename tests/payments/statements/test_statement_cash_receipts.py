"""The statements' cash-receipt columns (`statement_cash_receipts`, through `seller_statement`): each
standing receipt split over its order's sellers by what each kept, on the KST day it was issued;
Σ sellers = Σ receipts.
Receipts are issued by the real reconciler at the emulator (a bank transfer with a receipt asked for at
checkout), refunds by the real cancel service."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from orders.services import OrderLine, order_create
from payments.cash_receipts.models import CashReceiptIssuance
from payments.services import payment_cancel
from payments.statements.selectors import seller_statement, statement_cash_receipts
from tests.payments.cash_receipts.conftest import PHONE, cash_bootpay, pay_cash  # noqa: F401 - a fixture
from tests.payments.statements.support import kst, kst_today

# Partial refunds of cash-like payments need a PG contract that takes them (docs/cancellations.md).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partial_refunds_of_cash_payments")]


@pytest.fixture
def shop(buyer, bootpay, cash_bootpay, two_sellers, product_of, staff, django_capture_on_commit_callbacks):  # noqa: F811
    """Two sellers' lines paid in one bank transfer with a 소득공제 receipt; `refund(...)` cancels, and the
    receipt follows (the hooks run as after a commit)."""
    a, b, a_product, b_product = two_sellers
    a_free = product_of(a, 5_000, tax_free=True)

    def pay():
        order = order_create(
            buyer=buyer,
            lines=[OrderLine(a_product.pk, 1), OrderLine(a_free.pk, 1), OrderLine(b_product.pk, 1)],
            options={"cash_receipt": {"type": "income_deduction", "identifier": PHONE}},
        )
        with django_capture_on_commit_callbacks(execute=True):
            return pay_cash(bootpay, cash_bootpay, order, buyer=buyer)

    def refund(payment, **how):
        with django_capture_on_commit_callbacks(execute=True):
            payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", gateway=cash_bootpay, **how)
        payment.refresh_from_db()
        return payment

    return a, b, pay, refund


def cash(statement, seller) -> tuple[int, int, int]:
    (found,) = [s for s in statement.sellers if s.seller_id == seller.pk]
    return found.cash_receipts.count, found.cash_receipts.taxable, found.cash_receipts.tax_free


def standing_total() -> int:
    rows = CashReceiptIssuance.objects.filter(state__in=CashReceiptIssuance.STANDING_STATES)
    return rows.aggregate(total=Sum("amount"))["total"] or 0


def test_a_receipt_is_split_by_each_sellers_lines(shop, staff):
    a, b, pay, _ = shop
    pay()  # a: 30,000 taxable + 5,000 tax-free; b: 20,000 taxable
    today = kst_today()

    statement = seller_statement(user=staff, date_from=today, date_to=today)

    assert cash(statement, a) == (1, 30_000, 5_000) and cash(statement, b) == (1, 20_000, 0)
    assert statement.total.cash_receipts.total == 55_000 == standing_total()
    (day,) = [s for s in statement.sellers if s.seller_id == a.pk][0].days
    assert day.date == today and day.cash_receipts.total == 35_000
    assert statement.total.net.total == 55_000  # the receipts are beside the books, not in net


def test_after_a_partial_refund_only_the_reissue_counts_split_by_what_was_kept(shop, staff):
    a, b, pay, refund = shop
    payment = pay()
    a_line = payment.order.items.get(seller=a, is_tax_free=False)
    refund(payment, item_ids=[a_line.pk])  # a's 30,000 taxable line back: the receipt is re-issued for 25,000
    rows = list(CashReceiptIssuance.objects.filter(order=payment.order).order_by("pk"))
    assert [(r.state, r.amount) for r in rows] == [("cancelled", 55_000), ("issued", 25_000)]
    today = kst_today()

    statement = seller_statement(user=staff, date_from=today, date_to=today)

    # a kept its 5,000 tax-free line, b its 20,000: the cancelled 55,000 receipt counts nowhere
    assert cash(statement, a) == (1, 0, 5_000) and cash(statement, b) == (1, 20_000, 0)
    assert statement.total.cash_receipts.total == 25_000 == standing_total()


def test_an_amount_refund_reissue_is_split_pro_rata_and_adds_up(shop, staff):
    a, b, pay, refund = shop
    payment = pay()
    refund(payment, amount=10_001)  # pro rata over what each seller has left (taxable first)
    today = kst_today()

    parts = statement_cash_receipts(today, today)

    assert sum(p.total for p in parts.values()) == 55_000 - 10_001 == standing_total()
    assert sum(p.tax_free for p in parts.values()) == CashReceiptIssuance.objects.get(state="issued").tax_free


def test_the_reissue_counts_on_its_own_day_and_the_cancelled_one_on_none(shop, staff):
    a, b, pay, refund = shop
    payment = pay()
    yesterday, today = kst_today() - timedelta(days=1), kst_today()
    first = CashReceiptIssuance.objects.get(order=payment.order)
    CashReceiptIssuance.objects.filter(pk=first.pk).update(issued_at=kst(yesterday, 23, 59))
    before_refund = seller_statement(user=staff, date_from=yesterday, date_to=today)
    days_of_a = [s for s in before_refund.sellers if s.seller_id == a.pk][0].days
    assert [(d.date, d.gross.total, d.cash_receipts.total) for d in days_of_a] == [
        (yesterday, 0, 35_000),  # the receipt's day
        (today, 35_000, 0),  # the sale's day
    ]

    refund(payment, item_ids=[payment.order.items.get(seller=b).pk])  # b's 20,000 back: re-issue for 35,000

    after = seller_statement(user=staff, date_from=yesterday, date_to=today)
    by_seller = {s.seller_id: [(d.date, d.cash_receipts.total) for d in s.days] for s in after.sellers}
    # yesterday's receipt was cancelled: it counts nowhere, and yesterday has nothing else
    assert by_seller == {a.pk: [(today, 35_000)], b.pk: [(today, 0)]}
    assert after.total.cash_receipts.total == 35_000 == standing_total()
    assert seller_statement(user=staff, date_from=yesterday, date_to=yesterday).sellers == []


def test_a_receipt_whose_cancel_is_unanswered_or_refused_still_counts(shop, staff):
    a, b, pay, _ = shop
    receipt = CashReceiptIssuance.objects.get(order=pay().order)
    today = kst_today()
    for state in ("cancel_requested", "cancel_failed", "cancelled", "failed"):
        CashReceiptIssuance.objects.filter(pk=receipt.pk).update(state=state)
        total = seller_statement(user=staff, date_from=today, date_to=today).total.cash_receipts.total
        assert total == (55_000 if state in ("cancel_requested", "cancel_failed") else 0), state


def test_a_seller_sees_only_its_own_part(shop, staff):
    a, b, pay, _ = shop
    pay()
    today = kst_today()

    own = seller_statement(user=a.user, date_from=today, date_to=today)

    assert [s.seller_id for s in own.sellers] == [a.pk] and own.total is None
    assert cash(own, a) == (1, 30_000, 5_000)  # b's lines still weigh in the split, b's part is not shown


def test_a_seller_with_only_a_receipt_in_the_period_is_listed(shop, staff):
    a, b, pay, _ = shop
    payment = pay()
    tomorrow = kst_today() + timedelta(days=1)
    CashReceiptIssuance.objects.filter(order=payment.order).update(issued_at=kst(tomorrow, 9))

    statement = seller_statement(user=staff, date_from=tomorrow, date_to=tomorrow)

    assert {s.seller_id for s in statement.sellers} == {a.pk, b.pk}
    assert statement.total.gross.total == 0 and statement.total.cash_receipts.total == 55_000
