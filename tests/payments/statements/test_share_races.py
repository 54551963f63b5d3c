"""Races on PostgreSQL: refunds at once are charged against what each seller has left, never twice."""

from collections import Counter

import pytest

from orders.models import Seller
from payments.gateway import Receipt
from payments.models import Cancellation, CancellationShare
from payments.services import payment_cancel, payment_sync_from_receipt
from payments.services.common import Actor
from payments.services.settle import apportion
from payments.statements.reconcile import statement_reconcile
from payments.statements.selectors import staff_statement
from tests.concurrency import run_at_once
from tests.payments.statements.support import kst_today

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def replay_shares(payment) -> None:
    """Each cancellation's recorded shares are what the rule gives from the balances the ones opened
    before it left (opened under the payment's lock, so pk order is lock order)."""
    lines_taxable, lines_tax_free = Counter(), Counter()
    for line in payment.order.items.all():
        (lines_tax_free if line.is_tax_free else lines_taxable)[line.seller_id] += line.line_total
    left_taxable, left_tax_free = Counter(lines_taxable), Counter(lines_tax_free)
    for cancellation in Cancellation.objects.filter(payment=payment).order_by("pk"):
        items = list(cancellation.items.all())
        taxable, tax_free = Counter(), Counter()
        if items:
            for item in items:
                (tax_free if item.is_tax_free else taxable)[item.seller_id] += item.line_total
        else:
            every_line = lines_taxable + lines_tax_free
            tax_free = apportion(cancellation.tax_free_amount, [left_tax_free, every_line])
            taxable = apportion(
                cancellation.amount - cancellation.tax_free_amount, [left_taxable, every_line]
            )
        expected = {
            seller: (taxable[seller] + tax_free[seller], tax_free[seller])
            for seller in set(taxable) | set(tax_free)
            if taxable[seller] + tax_free[seller]
        }
        recorded = {s.seller_id: (s.amount, s.tax_free_amount) for s in cancellation.shares.all()}
        assert recorded == expected, (cancellation.reason, cancellation.amount)
        left_taxable.subtract(taxable)
        left_tax_free.subtract(tax_free)


def test_refunds_and_a_bootpay_cancel_at_once_are_charged_against_fresh_balances(
    staff, make_seller, product_of, pay_lines, bootpay
):
    a, b = make_seller("race-a"), make_seller("race-b")
    payment = pay_lines(
        (product_of(a, 30_000), 1), (product_of(b, 10_000), 1), (product_of(b, 20_000, tax_free=True), 1)
    )

    def refund(amount):
        return lambda: payment_cancel(
            payment_pk=payment.pk, actor=staff, reason="race", amount=amount, tax_free_amount=0
        )

    def cancel_at_bootpay():
        receipt = bootpay.state.cancel(
            payment.receipt_id, cancel_price=6_000, cancel_tax_free=6_000, cancel_id="admin-race"
        )
        return payment_sync_from_receipt(receipt=Receipt.from_payload(receipt), actor=Actor(label="webhook"))

    def line_refund_by_b():
        line = payment.order.items.get(seller=b, is_tax_free=False)
        return payment_cancel(payment_pk=payment.pk, actor=b.user, reason="b's line", item_ids=[line.pk])

    # with B's taxable line, the taxable refunds add up to all the taxable money (40,000); what each
    # pro rata refund charges depends on what the ones before it (in flight or not) left
    amounts = (7_001, 7_999, 7_003, 7_997)
    results, refusals = run_at_once(
        *(refund(amount) for amount in amounts), cancel_at_bootpay, line_refund_by_b
    )

    assert refusals == [] and len(results) == 6
    payment.refresh_from_db()
    assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (46_000, 6_000)
    charged = {
        seller.pk: (
            sum(s.amount - s.tax_free_amount for s in CancellationShare.objects.filter(seller=seller)),
            sum(s.tax_free_amount for s in CancellationShare.objects.filter(seller=seller)),
        )
        for seller in Seller.objects.filter(pk__in=[a.pk, b.pk])
    }
    assert sum(taxable for taxable, _ in charged.values()) == 40_000
    assert charged[b.pk][1] == 6_000 and charged[a.pk][1] == 0
    replay_shares(payment)
    statement = staff_statement(date_from=kst_today(), date_to=kst_today())
    assert statement.total.net.total == 14_000 == payment.amount - payment.cancelled_amount
    assert statement_reconcile(date_from=kst_today(), date_to=kst_today()).differences == []
