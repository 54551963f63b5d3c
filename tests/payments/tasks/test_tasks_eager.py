"""The Celery tasks' logic, run eagerly in-process (no broker): request ids, schedules firing twice. The
webhook tasks' (retries, the sweep): tests/payments/webhooks/test_tasks.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.request_id import bind_request_id, current_request_id
from orders import tasks as order_tasks
from orders.models import Order, Product
from orders.services import OrderLine, order_create
from payments import tasks
from payments.models import Payment
from payments.services import payment_verify
from tests.concurrency import run_at_once


@pytest.mark.django_db
def test_a_task_runs_under_the_request_id_of_whoever_enqueued_it(monkeypatch):
    seen = []
    monkeypatch.setattr(tasks, "payment_reconcile", lambda **kwargs: seen.append(current_request_id()) or {})

    with bind_request_id("req-4f1c"):
        tasks.reconcile_payments.delay()
    tasks.reconcile_payments.delay()

    assert seen == ["req-4f1c", None]
    assert current_request_id() is None


def test_the_request_id_goes_into_the_published_task_headers():
    from config.celery import _publish_request_id

    headers: dict = {}
    with bind_request_id("req-77"):
        _publish_request_id(headers=headers)
    _publish_request_id(headers=(untouched := {}))

    assert headers == {"request_id": "req-77"} and untouched == {}


# --- A schedule firing twice does the work once (two runs at the same instant) -----------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_expiry_runs_at_once_expire_each_order_once(buyer, make_product):
    products = [make_product(stock=5) for _ in range(4)]
    for product in products:
        order_create(buyer=buyer, lines=[OrderLine(product.pk, 2)])
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    results, refused = run_at_once(
        lambda: order_tasks.expire_unpaid_orders.delay().result,
        lambda: order_tasks.expire_unpaid_orders.delay().result,
    )

    assert refused == [] and sorted(results) in ([0, 4], [1, 3], [2, 2])  # split, never doubled
    assert set(Order.objects.values_list("status", flat=True)) == {"expired"}
    assert set(Product.objects.values_list("stock", flat=True)) == {5}  # released once each


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_reconcile_runs_at_once_book_a_deposit_once(buyer, make_order, pay_at_pg, bootpay, settings):
    settings.RECONCILE_OLDER_THAN_MINUTES = 0
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.deposit(receipt_id)

    results, refused = run_at_once(tasks.reconcile_payments.delay, tasks.reconcile_payments.delay)

    assert refused == []
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert payment.status == "paid"
    assert list(payment.events.filter(to_status="paid").values_list("from_status", flat=True)) == [
        "awaiting_deposit"
    ]
