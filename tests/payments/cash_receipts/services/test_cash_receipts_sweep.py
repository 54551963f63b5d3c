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
@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
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


@pytest.mark.django_db
def test_a_refused_self_issuance_is_left_to_staff_not_picked_by_every_sweep(
    cash_order, paid_cash, cash_bootpay
):
    # Bootpay refuses the tax office's number too (its cash-receipt service is off for the shop, say): the
    # reconciler answers `failed` and does nothing until staff retry. The sweep must not pick the order
    # again every five minutes, nor let such orders fill its batch ahead of sales still to be receipted.
    order = cash_order(prices=(150_000,))
    paid_cash(order)
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    cash_bootpay.fault("cash_receipt_issue", "RC_CASH_RECEIPT_FAILED", times=10)
    later = timezone.now() + LATER
    assert cash_receipts_sweep(now=later) == {"failed": 1}
    assert [row.state for row in CashReceiptIssuance.objects.filter(order=order)] == ["failed"]

    assert cash_receipts_due(now=later) == []


@pytest.mark.django_db
def test_a_withdrawal_after_the_fallback_is_not_swept_until_self_issuance_is_due(
    cash_order, paid_cash, cash_bootpay, buyer
):
    # The buyer's number is refused on a sale of 150,000 won: the tax office's number stands in. The buyer
    # withdraws within the grace: nothing is to be issued until self-issuance is due, so the sweep has
    # nothing to do with the order until then (not an empty reconcile every five minutes).
    from payments.cash_receipts.services import cash_receipt_request

    order = cash_order(prices=(150_000,), choice={"type": "income_deduction", "identifier": "01012345678"})
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    paid_cash(order)
    assert [(r.state, r.self_issued) for r in CashReceiptIssuance.objects.filter(order=order)] == [
        ("failed", False),
        ("issued", True),
    ]
    cash_receipt_request(order_pk=order.pk, actor=buyer, type="none")
    assert CashReceiptIssuance.objects.filter(order=order, state="issued").count() == 0

    assert cash_receipts_due() == []
    assert cash_receipts_due(now=timezone.now() + LATER) == [order.pk]  # due for self-issuance by then


@pytest.mark.django_db
def test_a_self_issuance_bootpay_keeps_refusing_is_sent_once_not_on_every_step_and_sweep(
    cash_order, paid_cash, cash_bootpay
):
    # The request a self-issuance writes (source self_issued) must read back as a self-issuance: else the
    # refused-number fallback takes its refusal for a buyer's and sends it again at once, up to the
    # reconciler's step limit, on every sweep (one more refused row and stand-alone order id each time).
    order = cash_order(prices=(150_000,))
    paid_cash(order)
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED", times=10)
    cash_bootpay.fault("cash_receipt_issue", "RC_CASH_RECEIPT_FAILED", times=10)
    later = timezone.now() + LATER

    cash_receipts_sweep(now=later)
    cash_receipts_sweep(now=later)

    sent = [call for call in cash_bootpay.calls if call in ("cash_receipt_publish", "cash_receipt_issue")]
    assert sent == ["cash_receipt_publish"]
    assert [row.state for row in CashReceiptIssuance.objects.filter(order=order)] == ["failed"]
    assert CashReceiptRequest.objects.get(order=order).status == "failed"


@pytest.mark.django_db
@pytest.mark.usefixtures("partial_refunds_of_cash_payments")  # a partial refund of a cash sale
def test_a_self_issued_receipt_reissued_after_a_refund_is_still_marked_self_issued(
    cash_order, paid_cash, refund, cash_bootpay
):
    order = cash_order(prices=(100_000, 20_000))
    payment = paid_cash(order)
    cash_receipts_sweep(now=timezone.now() + LATER)

    refund(payment, 20_000)

    states = [(r.state, r.self_issued, r.amount) for r in CashReceiptIssuance.objects.filter(order=order)]
    assert states == [("cancelled", True, 120_000), ("issued", True, 100_000)]
