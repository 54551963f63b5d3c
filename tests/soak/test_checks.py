"""The soak's checks catch what they are there for: each planted discrepancy fails its check, and the
same data without it holds (so a green soak means something)."""

import copy
from collections import Counter

from tests.soak.checks import (
    check_books,
    check_deliveries,
    check_metrics,
    check_notifications,
    check_open_outcomes,
    check_orders,
    check_refunds,
    check_renewals,
    run_checks,
)
from tests.soak.report import summary, table
from tests.soak.traffic import Tally


def receipt(
    receipt_id="r1", order_id="o1", status=1, price=10_000, tax_free=3_000, cancelled=0, cancelled_tf=0
):
    return {
        "receipt_id": receipt_id,
        "order_id": order_id,
        "status": status,
        "price": price,
        "tax_free": tax_free,
        "cancelled_price": cancelled,
        "cancelled_tax_free": cancelled_tf,
    }


def payment(
    receipt_id="r1", order_id="o1", status="paid", amount=10_000, tax_free=3_000, cancelled=0, cancelled_tf=0
):
    return {
        "receipt_id": receipt_id,
        "order_id": order_id,
        "status": status,
        "amount": amount,
        "tax_free_amount": tax_free,
        "cancelled_amount": cancelled,
        "cancelled_tax_free_amount": cancelled_tf,
        "succeeded_cancel_total": cancelled,
    }


def agreeing_books():
    receipts = [
        receipt(),
        receipt("r2", "o2", status=1, cancelled=4_000, cancelled_tf=1_000),
        receipt("r3", "o3", status=20, cancelled=10_000, cancelled_tf=3_000),
        receipt("r4", "o4", status=5),  # a virtual account nobody paid into yet
        receipt("r5", "bkr_1", status=11, price=0, tax_free=0),  # a billing key's issuance
    ]
    payments = [
        payment(),
        payment("r2", "o2", status="partially_cancelled", cancelled=4_000, cancelled_tf=1_000),
        payment("r3", "o3", status="cancelled", cancelled=10_000, cancelled_tf=3_000),
        payment("r4", "o4", status="awaiting_deposit"),
    ]
    return receipts, payments


def test_books_that_agree_hold():
    receipts, payments = agreeing_books()

    result = check_books(receipts, payments, listed_orders=set())

    assert result.held, result.failures
    assert result.examined == 4


def test_a_cancelled_amount_we_did_not_book_fails_the_books():
    receipts, payments = agreeing_books()
    receipts[1]["cancelled_price"] = 6_000  # Bootpay refunded 2,000 more than we know

    result = check_books(receipts, payments, listed_orders=set())

    assert not result.held
    assert any("cancelled_amount 4000 but Bootpay's cancelled_price 6000" in f for f in result.failures)


def test_a_different_tax_free_part_fails_the_books():
    receipts, payments = agreeing_books()
    payments[0]["tax_free_amount"] = 2_000

    assert not check_books(receipts, payments, listed_orders=set()).held


def test_money_at_bootpay_without_a_payment_is_a_loss_unless_its_open_outcome_is_listed():
    receipts, payments = agreeing_books()
    receipts.append(receipt("r9", "o9"))  # charged, never booked

    lost = check_books(receipts, payments, listed_orders=set())
    listed = check_books(receipts, payments, listed_orders={"o9"})

    assert not lost.held and "Bootpay holds 10000 won" in lost.failures[0]
    assert listed.held and listed.notes


def test_a_payment_we_think_paid_that_bootpay_cancelled_or_never_took_fails():
    receipts, payments = agreeing_books()
    payments[2]["status"] = "paid"
    payments[3]["status"] = "paid"  # the virtual account was never paid into

    failures = check_books(receipts, payments, listed_orders=set()).failures

    assert any("r3" in f and "Bootpay holds nothing" in f for f in failures)
    assert any("r4" in f and "Bootpay holds nothing" in f for f in failures)


def test_a_payment_failed_in_our_books_while_bootpay_holds_its_money_fails():
    receipts, payments = agreeing_books()
    payments[0]["status"] = "failed"

    assert any("our payment is failed" in f for f in check_books(receipts, payments, set()).failures)


def test_a_payment_bootpay_does_not_know_fails():
    receipts, payments = agreeing_books()
    payments.append(payment("r8", "o8"))

    assert any("no such receipt" in f for f in check_books(receipts, payments, set()).failures)


def test_refund_rows_must_add_up_to_the_cancelled_amount():
    _, payments = agreeing_books()
    assert check_refunds(payments).held
    payments[1]["succeeded_cancel_total"] = 3_000

    assert not check_refunds(payments).held


def test_orders_agree_with_their_payments_or_fail():
    _, payments = agreeing_books()
    orders = [
        {"order_id": "o1", "status": "paid"},
        {"order_id": "o2", "status": "partially_refunded"},
        {"order_id": "o3", "status": "refunded"},
        {"order_id": "o4", "status": "pending_payment"},
    ]
    assert check_orders(orders, payments).held

    orders[2]["status"] = "paid"  # says paid, but its payment was refunded
    payments.append(payment("r7", "o1"))  # a second payment holding money for o1
    failures = check_orders(orders, payments).failures

    assert any("o3 is paid, no payment holds money" in f for f in failures)
    assert any("order o1: paid 2 times" in f for f in failures)


def test_deliveries_processed_and_forged_ones_invalid_or_unmatched_hold():
    deliveries = [
        {"pk": 1, "receipt_id": "r1", "state": "processed"},
        {"pk": 2, "receipt_id": "", "state": "invalid"},
        {"pk": 3, "receipt_id": "forged1", "state": "unmatched"},
    ]

    assert check_deliveries(deliveries, {"forged1"}).held


def test_a_delivery_left_waiting_failed_or_unmatched_for_a_real_receipt_fails():
    for state in ("received", "processing", "failed", "unmatched"):
        deliveries = [{"pk": 1, "receipt_id": "r1", "state": state, "error": "boom\ngateway error"}]
        result = check_deliveries(deliveries, {"forged1"})
        assert not result.held, state
    forged_processed = [{"pk": 1, "receipt_id": "forged1", "state": "processed"}]
    assert not check_deliveries(forged_processed, {"forged1"}).held


def test_a_webhook_bootpay_could_not_deliver_fails():
    notifications = [{"id": 1, "receipt_id": "r1", "state": "delivered"}]
    assert check_notifications(notifications).held
    notifications.append({"id": 2, "receipt_id": "r2", "state": "failed", "attempts": 11, "last_status": 503})

    assert not check_notifications(notifications).held


def test_a_period_charged_twice_fails_and_once_refunded_is_a_note():
    charges = [{"subscription_id": "sub_1", "period": 2, "order_id": "o5", "state": "paid"}]
    once = [receipt("c1", "o5")]
    twice = [*once, receipt("c2", "o5")]
    refunded = [*once, receipt("c2", "o5", status=20, cancelled=10_000, cancelled_tf=3_000)]

    assert check_renewals(charges, once).held
    assert not check_renewals(charges, twice).held
    assert check_renewals(charges, refunded).held and check_renewals(charges, refunded).notes


def test_two_charge_rows_for_one_period_fail():
    charges = [
        {"subscription_id": "sub_1", "period": 2, "order_id": "o5", "state": "paid"},
        {"subscription_id": "sub_1", "period": 2, "order_id": "o6", "state": "declined"},
    ]

    assert not check_renewals(charges, []).held


def test_an_open_outcome_must_be_listed():
    rows = [{"kind": "refund", "ref": "c_1", "order_id": "o1"}]

    assert check_open_outcomes(rows, {("refund", "c_1")}).held
    assert not check_open_outcomes(rows, {("refund", "c_2")}).held


def test_run_checks_excuses_unbooked_money_only_for_an_order_with_a_listed_outcome():
    receipts, payments = agreeing_books()
    receipts.append(receipt("r9", "o9"))
    data = {
        "receipts": receipts,
        "payments": payments,
        "orders": [],
        "deliveries": [],
        "notifications": [],
        "charges": [],
        "open_rows": [{"kind": "subscription_charge", "ref": "sub_1:2:1", "order_id": "o9"}],
        "listed": {("subscription_charge", "sub_1:2:1")},
        "forged_receipt_ids": set(),
        "metrics": {"status": 200, "text": METRICS_AFTER_A_SOAK},
    }
    assert all(result.held for result in run_checks(data))

    unlisted = copy.deepcopy(data) | {"listed": set()}
    failed = {result.name for result in run_checks(unlisted) if not result.held}

    assert failed == {"books equal Bootpay's receipts", "open outcomes listed"}


def test_the_summary_fails_a_soak_that_moved_no_money_and_prints_the_table():
    receipts, payments = agreeing_books()
    results = [check_books(receipts, payments, set())]
    tally = Tally()
    tally.add("order create", 201)
    idle = summary(
        tally=tally, injected=Counter(), injection_failed=Counter(), restarts={}, clock={}, results=results
    )
    tally.add("payment verify", 200)
    faults = Counter({"kill -9 beat": 1})
    busy = summary(
        tally=tally, injected=faults, injection_failed=Counter(), restarts={}, clock={}, results=results
    )

    assert not idle["ok"] and busy["ok"]
    text = table(busy | {"seconds": 1, "threads": 1, "seed": 1})
    assert "kill -9 beat" in text and "every check held" in text


METRICS_AFTER_A_SOAK = """\
# TYPE bootpay_calls counter
bootpay_calls_total{code="",operation="receipt",outcome="ok"} 12.0
# TYPE bootpay_webhook_deliveries_received counter
bootpay_webhook_deliveries_received_total{valid="true"} 7.0
# TYPE bootpay_webhook_deliveries_processed counter
bootpay_webhook_deliveries_processed_total{state="processed"} 7.0
# TYPE payments_operations counter
payments_operations_total{operation="verify",outcome="ok"} 3.0
# TYPE bootpay_webhook_backlog gauge
bootpay_webhook_backlog 0.0
"""


def test_check_metrics_holds_for_a_scrape_that_counted_the_soak():
    assert check_metrics({"status": 200, "text": METRICS_AFTER_A_SOAK}, [{"state": "processed"}]).held


def test_check_metrics_fails_on_a_refused_scrape_a_lost_worker_directory_or_a_backlog_disagreeing():
    refused = check_metrics({"status": 403, "text": "{}"}, [])
    no_worker_counts = METRICS_AFTER_A_SOAK.replace('state="processed"} 7.0', 'state="processed"} 0.0')
    lost = check_metrics({"status": 200, "text": no_worker_counts}, [])
    backlog = check_metrics({"status": 200, "text": METRICS_AFTER_A_SOAK}, [{"state": "received"}])

    assert not refused.held and not lost.held and not backlog.held
    assert lost.failures == ["webhook deliveries processed counted (the workers' directories merged): no"]
    assert backlog.failures == ["webhook backlog agrees with the deliveries: no"]
