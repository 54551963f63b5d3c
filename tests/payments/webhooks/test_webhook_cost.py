"""What processing one delivery costs in SQL statements, per kind (docs/performance.md, "Webhook
processing"): the worker's call (`webhook_process_outcome`, what the Celery task runs) against the emulator.

Counted with CaptureQueriesContext, BEGIN/COMMIT and savepoints included. Timing is measured by
tests/bench/bench_webhook_cost.py, never here.
"""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from payments.models import Payment
from payments.services import payment_verify
from payments.webhooks.services import webhook_process_outcome, webhook_receive

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def store(receipt_id: str) -> int:
    body = json.dumps({"receipt_id": receipt_id, "status": 1, "webhook_type": "PAYMENT"}).encode()
    return webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None).pk


def processed(delivery_pk: int) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert webhook_process_outcome(delivery_pk=delivery_pk) == "processed"
    return [query["sql"] for query in queries.captured_queries]


def test_a_notice_for_a_receipt_already_applied_takes_ten_statements_and_no_row_lock(
    buyer, make_order, pay_at_pg, bootpay
):
    # given a paid order the buyer's browser verified, and Bootpay's notice of it arriving afterwards
    order = make_order()
    receipt_id = pay_at_pg(order)
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    delivery = store(receipt_id)

    statements = processed(delivery)

    # claim (BEGIN, read + lock, UPDATE … RETURNING, COMMIT), the payment read, release and re-claim
    # (BEGIN, lock, UPDATE, UPDATE … RETURNING, COMMIT)
    assert len(statements) == 10, "\n".join(statements)
    assert not any("FOR UPDATE" in sql for sql in statements)  # nothing to apply: no order/payment lock
    assert Payment.objects.get(receipt_id=receipt_id).status == "paid"


def test_a_repeated_notice_costs_the_same_as_the_first_one_after_verify(make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order)
    processed(store(receipt_id))  # the first notice binds the receipt and pays the order

    assert len(processed(store(receipt_id))) == 10


def test_the_first_notice_of_a_paid_receipt_nobody_verified(make_order, pay_at_pg, bootpay, monkeypatch):
    # given an order paid at Bootpay whose buyer closed the tab before verify
    order = make_order()
    receipt_id = pay_at_pg(order)
    # what commits queue (the events dispatch, billing's follow-up) runs as tasks of their own in
    # production; here Celery is eager, so it is held back to count this delivery's own statements
    after_commit = []
    monkeypatch.setattr(
        transaction, "on_commit", lambda func, using=None, robust=False: after_commit.append(func)
    )

    statements = processed(store(receipt_id))

    # the payment created and the order paid (with its `order.paid` event and its readers, and the
    # statement rollups' sale booking): more than the ten of a repeat; pinned so that a statement added
    # here is a decision, not an accident
    assert len(statements) == 29, "\n".join(statements)
    assert Order.objects.get(pk=order.pk).status == "paid"
