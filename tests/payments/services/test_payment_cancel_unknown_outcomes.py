"""Answers that do not tell whether Bootpay applied a cancel are never booked as a refusal.

Found by an adversarial review: an "already cancelled" refusal whose receipt could not be read was
booked `failed`, so the line it had refunded became refundable again (Bootpay refunded it twice);
RC_CANCEL_CRITICAL_ERROR (the PG behind Bootpay timed out) was booked as a definite refusal too.
"""

import pytest

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from payments.models import Cancellation
from payments.services import payment_cancel, payment_reconcile, payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_lines(buyer, make_order, pay_at_pg):
    order = make_order(prices=(18_000, 50_000))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    return payment, *order.items.order_by("pk")


def cancel_code(**kwargs) -> str:
    with pytest.raises(DomainError) as error:
        payment_cancel(**kwargs)
    return error.value.code


def test_an_already_cancelled_refusal_with_an_unreadable_receipt_stays_unknown(two_lines, bootpay):
    payment, line_a, _ = two_lines
    seller = line_a.seller.user
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    assert cancel_code(payment_pk=payment.pk, actor=seller, reason="x", idempotency_key="k1") == (
        ErrorCode.GATEWAY_UNAVAILABLE
    )
    sent = Cancellation.objects.get()
    bootpay.state.cancel(
        payment.receipt_id, cancel_price=sent.amount, cancel_id=sent.cancel_id
    )  # it did arrive
    bootpay.state.add_fault(path="receipt", mode="status_500", times=1)  # and settle's lookup fails once

    assert cancel_code(payment_pk=payment.pk, actor=seller, reason="x", idempotency_key="k1") == (
        ErrorCode.GATEWAY_UNAVAILABLE
    )
    sent.refresh_from_db()
    assert sent.state == "requested"
    assert cancel_code(payment_pk=payment.pk, actor=seller, reason="x", idempotency_key="k2") == (
        ErrorCode.CANCEL_IN_PROGRESS
    )

    settled = payment_cancel(payment_pk=payment.pk, actor=seller, reason="x", idempotency_key="k1")

    assert settled.state == "succeeded"
    assert OrderItem.objects.get(pk=line_a.pk).status == "refunded"
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 18_000


def test_a_pg_timeout_reported_by_bootpay_is_an_unknown_outcome(two_lines, bootpay):
    payment, line_a, _ = two_lines
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_CRITICAL_ERROR", times=1)

    code = cancel_code(payment_pk=payment.pk, actor=line_a.seller.user, reason="x")

    assert code == ErrorCode.GATEWAY_UNAVAILABLE
    assert Cancellation.objects.get().state == "requested"
    payment_reconcile(older_than_minutes=0)
    assert Cancellation.objects.get().state == "succeeded"
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 18_000


@pytest.mark.parametrize("policy", ["refuse", "replay"])
def test_a_lost_cancel_then_a_full_cancel_in_bootpays_admin_books_bootpays_tax_free_part(
    policy, staff_user, buyer, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(18_000, 50_000), tax_free=(1,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    bootpay.state.update_settings(duplicate_cancel_id=policy)
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    cancel_code(payment_pk=payment.pk, actor=staff_user, reason="x", amount=18_000, tax_free_amount=18_000)
    bootpay.state.cancel(payment.receipt_id, cancel_price=None, cancel_tax_free=5_000)  # admin: everything

    payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (68_000, 5_000)
    assert (receipt["cancelled_price"], receipt["cancelled_tax_free"]) == (68_000, 5_000)


@pytest.fixture
def staff_user(make_user):
    return make_user("ops", is_staff=True)
