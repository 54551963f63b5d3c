"""`cash_receipts_sweep`: self-issuance (자진발급) once, and what a lost trigger left behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.cash_receipts.identifiers import SELF_ISSUE_IDENTIFIER
from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest
from payments.cash_receipts.services import cash_receipts_due, cash_receipts_sweep
from tests.concurrency import run_at_once

LATER = timedelta(days=1, minutes=1)


@pytest.mark.django_db
def test_an_unasked_sale_of_100000_won_is_self_issued_after_the_grace(cash_order, paid_cash, cash_bootpay):
    order = cash_order(prices=(100_000,))
    paid_cash(order)
    assert CashReceiptIssuance.objects.filter(order=order).count() == 0  # the buyer may still ask

    assert cash_receipts_due() == []
    cash_receipts_sweep(now=timezone.now() + LATER)

    row = CashReceiptIssuance.objects.get(order=order)
    assert (row.state, row.self_issued, row.type, row.amount) == ("issued", True, "income_deduction", 100_000)
    assert cash_bootpay.identifiers_sent == [SELF_ISSUE_IDENTIFIER]
    assert CashReceiptRequest.objects.get(order=order).source == "self_issued"
    cash_receipts_sweep(now=timezone.now() + LATER)
    assert CashReceiptIssuance.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_a_smaller_unasked_sale_is_not_self_issued(cash_order, paid_cash, cash_bootpay):
    order = cash_order(prices=(99_999,))
    paid_cash(order)

    cash_receipts_sweep(now=timezone.now() + LATER)

    assert not CashReceiptIssuance.objects.filter(order=order).exists() and cash_bootpay.calls == []


@pytest.mark.django_db
def test_a_lost_trigger_is_found_by_the_sweep(cash_order, paid_cash, refund, cash_bootpay):
    order = cash_order(prices=(30_000,), choice={"type": "income_deduction", "identifier": "01012345678"})
    payment = paid_cash(order, run_hooks=False)
    assert cash_receipts_due() == [order.pk]
    cash_receipts_sweep()
    refund(payment, 10_000, run_hooks=False)  # the refund's enqueue lost

    cash_receipts_sweep()

    assert cash_bootpay.live_total() == 20_000


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_self_issue_once(cash_order, bootpay, cash_bootpay, buyer):
    from tests.payments.cash_receipts.conftest import pay_cash

    order = cash_order(prices=(150_000,))
    pay_cash(bootpay, cash_bootpay, order, buyer=buyer)  # autocommit: the order_paid hook ran, no issuance
    later = timezone.now() + LATER

    results, refusals = run_at_once(*[lambda: cash_receipts_sweep(now=later) for _ in range(4)])

    assert refusals == []
    assert CashReceiptIssuance.objects.filter(order=order).count() == 1
    assert cash_bootpay.calls.count("cash_receipt_publish") == 1 and len(cash_bootpay.live()) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_duplicate_triggers_at_once_issue_once(cash_order, bootpay, cash_bootpay, buyer):
    from payments.cash_receipts.services import cash_receipt_reconcile
    from tests.payments.cash_receipts.conftest import pay_cash

    order = cash_order(prices=(30_000,), choice={"type": "income_deduction", "identifier": "01012345678"})
    cash_bootpay.fault("cash_receipt_publish", "timeout")
    pay_cash(bootpay, cash_bootpay, order, buyer=buyer)  # left open: every trigger below races for it

    results, refusals = run_at_once(*[lambda: cash_receipt_reconcile(order_pk=order.pk) for _ in range(6)])

    assert refusals == [] and "done" in results
    assert CashReceiptIssuance.objects.get(order=order).state == "issued"
    assert len(cash_bootpay.live()) == 1
