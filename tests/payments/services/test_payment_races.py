"""Races on PostgreSQL: many threads at once must still move money exactly once."""

import json

import pytest
from django.test import Client

from orders.models import Order
from payments.models import Cancellation, Payment, PaymentEvent
from payments.services import payment_cancel, payment_confirm, payment_verify
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


def test_twenty_verifies_and_webhooks_for_one_receipt_pay_once(
    buyer, make_order, pay_at_pg, bootpay, settings
):
    order = make_order(prices=(15_000,))
    receipt_id = pay_at_pg(order)
    body = json.dumps({**bootpay.state.get_receipt(receipt_id), "webhook_type": "PAYMENT_COMPLETED"})

    def verify():
        return payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).pk

    def webhook():
        return Client().post("/api/v1/webhooks/bootpay/", body, content_type="application/json").status_code

    results, refusals = run_at_once(*([verify] * 10), *([webhook] * 10))

    assert refusals == []
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert set(results) == {payment.pk, 200}
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert PaymentEvent.objects.filter(payment=payment, to_status="paid").count() == 1
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_ten_concurrent_partial_cancels_never_exceed_the_balance(
    staff, buyer, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(10_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    def cancel():
        return payment_cancel(payment_pk=payment.pk, actor=staff, reason="race", amount=1_500)

    results, refusals = run_at_once(*([cancel] * 10))

    # 6 × 1,500 = 9,000 fits; the 7th would make 10,500
    assert len(results) == 6 and refusals == ["cancel_exceeds_balance"] * 4
    payment.refresh_from_db()
    assert payment.cancelled_amount == 9_000 <= payment.amount
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 9_000
    assert Cancellation.objects.filter(payment=payment, state="succeeded").count() == 6


def test_concurrent_retries_with_one_idempotency_key_cancel_once(
    staff, buyer, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(10_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    def cancel():
        return payment_cancel(
            payment_pk=payment.pk, actor=staff, reason="retry", amount=4_000, idempotency_key="k"
        )

    results, refusals = run_at_once(*([cancel] * 8))

    # A retry arriving while the first request is still at Bootpay hears cancel_in_progress; one that
    # arrives after hears the settled outcome. Either way Bootpay is asked once.
    assert set(refusals) <= {"cancel_in_progress"} and len(results) + len(refusals) == 8
    assert len({cancellation.pk for cancellation in results}) == 1
    assert {cancellation.state for cancellation in results} == {"succeeded"}
    assert bootpay.state.call_count("POST", "cancel") == 1
    payment.refresh_from_db()
    assert payment.cancelled_amount == 4_000


def test_concurrent_confirms_approve_once(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, state="awaiting_confirm")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    results, refusals = run_at_once(*([lambda: payment_confirm(payment_pk=payment.pk, actor=buyer)] * 8))

    assert refusals == [] and {p.status for p in results} == {"paid"}
    assert PaymentEvent.objects.filter(payment=payment, to_status="paid").count() == 1
    assert bootpay.state.get_receipt(receipt_id)["status"] == 1
