"""payments/metrics.py: verify and cancel outcomes, counted once per service call by the code answered,
driven through the real services, SDK and emulator; counting adds no query to the money path."""

import pytest

from config.errors import DomainError
from payments.services import payment_cancel, payment_verify
from tests.metrics_support import sample

pytestmark = pytest.mark.django_db


def outcomes(operation: str, outcome: str) -> float:
    return sample("payments_operations_total", operation=operation, outcome=outcome)


@pytest.fixture
def staff(make_user):
    return make_user("metrics-staff", is_staff=True)


def test_a_verified_payment_counts_ok(buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000,))
    before = outcomes("verify", "ok")

    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    assert outcomes("verify", "ok") == before + 1


def test_a_refused_verify_counts_its_code(buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000,))
    receipt_id = pay_at_pg(order, price=11_000)  # the PG charged another amount than ours
    before = outcomes("verify", "amount_mismatch")

    with pytest.raises(DomainError):
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert outcomes("verify", "amount_mismatch") == before + 1


def test_a_verify_bootpay_cannot_answer_counts_gateway_unavailable(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order)
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)
    before = outcomes("verify", "gateway_unavailable")

    with pytest.raises(DomainError):
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert outcomes("verify", "gateway_unavailable") == before + 1


def test_cancels_count_ok_and_each_refusal_by_code(buyer, staff, make_order, pay_at_pg):
    order = make_order(prices=(20_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    ok, over = outcomes("cancel", "ok"), outcomes("cancel", "cancel_exceeds_balance")

    payment_cancel(payment_pk=payment.pk, actor=staff, reason="partial", amount=5_000)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="too much", amount=50_000)

    assert outcomes("cancel", "ok") == ok + 1
    assert outcomes("cancel", "cancel_exceeds_balance") == over + 1
