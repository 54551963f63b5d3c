"""`cash_receipt_reconcile`: the receipt follows the money kept, once, whatever Bootpay answers."""

import pytest

from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest
from payments.cash_receipts.services import cash_receipt_reconcile
from tests.payments.cash_receipts.conftest import BUSINESS, PHONE

# Partial refunds of cash-like payments need a PG contract that takes them (docs/cancellations.md).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partial_refunds_of_cash_payments")]

INCOME = {"type": "income_deduction", "identifier": "010-1234-5678"}


def rows(order):
    return list(CashReceiptIssuance.objects.filter(order=order).order_by("pk"))


def test_a_paid_bank_transfer_with_a_request_is_issued_once_on_its_receipt(
    cash_order, paid_cash, cash_bootpay
):
    order = cash_order(prices=(30_000,), choice=INCOME)

    payment = paid_cash(order)

    [row] = rows(order)
    assert (row.kind, row.state, row.amount, row.receipt_id) == (
        "on_receipt",
        "issued",
        30_000,
        payment.receipt_id,
    )
    assert row.identifier == PHONE and row.identifier_masked == "010-****-5678"
    assert cash_bootpay.identifiers_sent == [PHONE]
    shown = CashReceiptRequest.objects.get(order=order)
    assert (shown.status, shown.amount, shown.approval_no) == ("issued", 30_000, row.approval_no)
    # Asked again (a duplicate webhook, a second verify, the sweep): nothing more is sent.
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"
    assert cash_bootpay.calls.count("cash_receipt_publish") == 1


def test_a_deposited_virtual_account_is_issued_once_the_money_arrives(cash_order, paid_cash, cash_bootpay):
    order = cash_order(prices=(20_000,), choice={"type": "expense_proof", "identifier": BUSINESS})

    paid_cash(order, method="vbank")

    [row] = rows(order)
    assert (row.state, row.type, row.identifier_masked) == ("issued", "expense_proof", "120-81-*****")


def test_a_partial_refund_cancels_and_reissues_for_the_money_kept(
    cash_order, paid_cash, refund, cash_bootpay
):
    order = cash_order(prices=(30_000, 20_000), choice=INCOME)
    payment = paid_cash(order)

    refund(payment, 20_000)
    refund(payment, 5_000)

    first, second, third = rows(order)
    assert (first.kind, first.state) == ("on_receipt", "cancelled")
    assert (second.kind, second.state, second.amount) == ("standalone", "cancelled", 30_000)
    assert (third.kind, third.state, third.amount) == ("standalone", "issued", 25_000)
    assert (second.standalone_order_id, third.standalone_order_id) == (
        f"{order.order_id}-cr1",
        f"{order.order_id}-cr2",
    )
    assert cash_bootpay.live_total() == 25_000 == payment.amount - payment.cancelled_amount


def test_a_full_refund_cancels_the_receipt(cash_order, paid_cash, refund, cash_bootpay):
    order = cash_order(prices=(30_000,), choice=INCOME)
    payment = paid_cash(order)

    refund(payment)

    [row] = rows(order)
    assert row.state == "cancelled" and cash_bootpay.live_total() == 0
    assert CashReceiptRequest.objects.get(order=order).status == "cancelled"


def test_a_card_payment_gets_no_receipt(
    cash_order, bootpay, cash_bootpay, buyer, django_capture_on_commit_callbacks
):
    from payments.services import payment_verify

    order = cash_order(choice=INCOME)
    receipt = bootpay.state.create_receipt(
        order_id=order.order_id,
        price=order.total_amount,
        tax_free=0,
        order_name=order.order_name,
        method="card",
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment_verify(
            order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=buyer, gateway=cash_bootpay
        )

    assert rows(order) == [] and cash_bootpay.calls == []
    assert CashReceiptRequest.objects.get(order=order).status == "not_applicable"


def test_a_lost_publish_answer_is_found_by_looking_the_payment_up_and_never_sent_twice(
    cash_order, paid_cash, cash_bootpay
):
    order = cash_order(choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "lost")

    paid_cash(order)
    [row] = rows(order)
    assert row.state == "requested" and row.attempt_started_at is None  # open, the lease released

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"
    row.refresh_from_db()
    assert row.state == "issued" and row.approval_no
    assert cash_bootpay.calls.count("cash_receipt_publish") == 1 and len(cash_bootpay.live()) == 1


def test_an_unanswered_publish_that_did_nothing_is_sent_again(cash_order, paid_cash, cash_bootpay):
    order = cash_order(choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "timeout")
    paid_cash(order)

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    [row] = rows(order)
    assert row.state == "issued" and cash_bootpay.calls.count("cash_receipt_publish") == 2
    assert len(cash_bootpay.live()) == 1


def test_a_lost_standalone_answer_is_resent_with_the_same_order_id(
    cash_order, paid_cash, refund, cash_bootpay
):
    order = cash_order(prices=(30_000,), choice=INCOME)
    payment = paid_cash(order)
    cash_bootpay.fault("cash_receipt_issue", "lost")

    refund(payment, 10_000)
    assert rows(order)[-1].state == "requested"
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    *_, last = rows(order)
    assert (last.state, last.amount, last.standalone_order_id) == ("issued", 20_000, f"{order.order_id}-cr1")
    assert cash_bootpay.live_total() == 20_000


def test_a_lost_cancel_answer_is_settled_by_bootpays_not_found(cash_order, paid_cash, refund, cash_bootpay):
    order = cash_order(prices=(30_000,), choice=INCOME)
    payment = paid_cash(order)
    cash_bootpay.fault("cash_receipt_cancel_on_payment", "lost")

    refund(payment)
    assert rows(order)[0].state == "cancel_requested"
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    assert rows(order)[0].state == "cancelled" and cash_bootpay.live_total() == 0


def test_a_refusal_is_recorded_failed_and_retried_only_when_staff_ask(cash_order, paid_cash, cash_bootpay):
    order = cash_order(choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    paid_cash(order)

    assert cash_receipt_reconcile(order_pk=order.pk) == "failed"
    [row] = rows(order)
    assert (row.state, row.error_code) == ("failed", "RC_CASH_RECEIPT_FAILED")
    assert CashReceiptRequest.objects.get(order=order).status == "failed"

    assert cash_receipt_reconcile(order_pk=order.pk, retry_failed=True) == "done"
    assert [r.state for r in rows(order)] == ["failed", "issued"]


def test_a_held_lease_makes_a_second_run_stop(cash_order, paid_cash, cash_bootpay):
    from django.utils import timezone

    order = cash_order(choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "timeout")
    paid_cash(order)
    CashReceiptIssuance.objects.filter(order=order).update(attempt_started_at=timezone.now())

    assert cash_receipt_reconcile(order_pk=order.pk) == "in_progress"
    assert cash_bootpay.calls.count("cash_receipt_publish") == 1


def test_a_receipt_the_pg_issued_is_recorded_and_never_issued_again(cash_order, paid_cash, cash_bootpay):
    from payments.models import Payment

    order = cash_order(choice=INCOME)
    payment = paid_cash(order, run_hooks=False)
    raw = dict(payment.raw_receipt)
    raw["bank_data"] = {**raw.get("bank_data", {}), "cash_receipt_tid": "PG-TID-1"}
    Payment.objects.filter(pk=payment.pk).update(raw_receipt=raw)

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    [row] = rows(order)
    assert (row.state, row.issued_by_pg, row.approval_no) == ("issued", True, "PG-TID-1")
    assert cash_bootpay.calls == []


def _pg_issued(payment, tid="PG-TID-1"):
    from payments.models import Payment

    raw = dict(payment.raw_receipt)
    raw["bank_data"] = {**raw.get("bank_data", {}), "cash_receipt_tid": tid}
    Payment.objects.filter(pk=payment.pk).update(raw_receipt=raw)


def test_a_receipt_the_pg_issued_without_any_request_of_ours_is_recorded(cash_order, paid_cash, cash_bootpay):
    order = cash_order(prices=(30_000,))  # no checkout choice
    payment = paid_cash(order, run_hooks=False)
    _pg_issued(payment)

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    [row] = rows(order)
    assert (row.state, row.issued_by_pg) == ("issued", True)
    shown = CashReceiptRequest.objects.get(order=order)
    assert (shown.status, shown.source) == ("issued", "pg")


def test_a_receipt_the_pg_issued_survives_a_second_reconcile(cash_order, paid_cash, cash_bootpay):
    order = cash_order(choice=INCOME)
    payment = paid_cash(order, run_hooks=False)
    _pg_issued(payment)
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"  # a duplicate trigger

    assert [(row.state, row.issued_by_pg) for row in rows(order)] == [("issued", True)]
    assert cash_bootpay.calls == []


def test_a_refused_issuance_of_a_payment_since_refunded_in_full_shows_cancelled(
    cash_order, paid_cash, refund, cash_bootpay
):
    # Bootpay refused the publish (say the refund reached it first); once the whole amount is refunded
    # nothing is owed: the buyer sees `cancelled`, not a failure waiting for staff.
    order = cash_order(choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    payment = paid_cash(order)
    assert CashReceiptRequest.objects.get(order=order).status == "failed"

    refund(payment)

    assert [row.state for row in rows(order)] == ["failed"]
    assert CashReceiptRequest.objects.get(order=order).status == "cancelled"


def test_what_a_refund_leaves_of_a_pg_issued_receipt_goes_to_the_tax_office_number(
    cash_order, paid_cash, refund, cash_bootpay
):
    # The PG's receipt went to a number we never saw: after a partial refund it is cancelled and what
    # remains is receipted to 010-000-1234, as for an unknown buyer (the buyer claims it on Hometax).
    order = cash_order(prices=(30_000, 10_000))  # no checkout choice
    payment = paid_cash(order, run_hooks=False)
    _pg_issued(payment)
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    refund(payment, amount=10_000)
    cash_receipt_reconcile(order_pk=order.pk)

    states = [(row.state, row.issued_by_pg, row.self_issued, row.amount) for row in rows(order)]
    assert states == [("cancelled", True, False, 40_000), ("issued", False, True, 30_000)]


def test_a_pg_issued_receipt_first_seen_after_a_refund_is_recorded_for_what_the_pg_issued(
    cash_order, paid_cash, refund, cash_bootpay
):
    # The PG's window issued a receipt for the whole 40,000 won; the `order_paid` trigger was lost and the
    # refund's reconcile is the first to see it. Recorded for what is kept (30,000), it would "cover the
    # money kept" and stand for 40,000 forever (the sweep sees no difference either). It is the payment's
    # whole amount: cancelled at once, and what remains goes to the tax office's number.
    order = cash_order(prices=(30_000, 10_000))  # no checkout choice
    payment = paid_cash(order, run_hooks=False)
    refund(payment, amount=10_000, run_hooks=False)
    _pg_issued(payment)  # Bootpay's receipt after the refund still names the PG's cash receipt

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    states = [(row.state, row.issued_by_pg, row.amount) for row in rows(order)]
    assert states == [("cancelled", True, 40_000), ("issued", False, 30_000)]


def test_a_pg_issued_receipt_first_seen_after_a_full_refund_is_cancelled_not_shown_issued(
    cash_order, paid_cash, refund, cash_bootpay
):
    order = cash_order(prices=(30_000,))
    payment = paid_cash(order, run_hooks=False)
    refund(payment, run_hooks=False)
    _pg_issued(payment)

    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    assert [(row.state, row.amount) for row in rows(order)] == [("cancelled", 30_000)]
    assert CashReceiptRequest.objects.get(order=order).status == "cancelled"


def test_staff_retry_re_sends_a_buyers_number_refused_on_a_sale_the_fallback_receipted(
    cash_order, paid_cash, cash_bootpay
):
    order = cash_order(prices=(150_000,), choice=INCOME)
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    paid_cash(order)
    assert [(row.state, row.self_issued) for row in rows(order)] == [("failed", False), ("issued", True)]

    cash_receipt_reconcile(order_pk=order.pk, retry_failed=True)  # the admin's Retry on the failed row

    assert PHONE in cash_bootpay.identifiers_sent  # the refused number sent again (refusals are not logged)


def test_a_withdrawal_of_a_small_sale_the_pg_receipted_leaves_no_receipt(
    cash_order, paid_cash, cash_bootpay, buyer
):
    from payments.cash_receipts.services import cash_receipt_request

    order = cash_order(prices=(30_000,))
    payment = paid_cash(order, run_hooks=False)
    _pg_issued(payment)
    assert cash_receipt_reconcile(order_pk=order.pk) == "done"

    cash_receipt_request(order_pk=order.pk, actor=buyer, type="none")

    assert [(row.state, row.issued_by_pg) for row in rows(order)] == [("cancelled", True)]
    assert CashReceiptRequest.objects.get(order=order).type == "none"
