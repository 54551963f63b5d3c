"""Refunded taxable money never exceeds paid taxable money, nor tax-free tax-free (money defects #3).

Every violation is refused before Bootpay hears of it, with validation_error naming the field; the
last cancel takes exactly the remaining tax-free part. Before the fix staff could refund 50,000 of
taxable money out of 18,000, a later remainder cancel then failed at Bootpay (502), and a line cancel
after an amount cancel refunded the same taxable money twice.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import DomainError, ErrorCode
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db

TAXABLE, TAX_FREE = 18_000, 50_000


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


@pytest.fixture
def mixed_payment(buyer, make_order, pay_at_pg):
    def make():
        order = make_order(prices=(TAXABLE, TAX_FREE), tax_free=(1,))
        return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    return make


def refused_field(**kwargs) -> str:
    with pytest.raises(DomainError) as error:
        payment_cancel(**kwargs)
    assert error.value.code == ErrorCode.VALIDATION_ERROR
    (field,) = error.value.details["fields"]
    return field


def test_taxable_money_cannot_go_back_beyond_what_was_paid(staff, mixed_payment, bootpay):
    payment = mixed_payment()

    field = refused_field(payment_pk=payment.pk, actor=staff, reason="x", amount=50_000, tax_free_amount=0)

    assert field == "tax_free_amount"
    assert bootpay.state.call_count("POST", "cancel") == 0


def test_the_last_cancel_takes_exactly_the_remaining_tax_free_part(staff, mixed_payment, bootpay):
    payment = mixed_payment()
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=10_000)  # taxable first

    assert refused_field(payment_pk=payment.pk, actor=staff, reason="x", tax_free_amount=100) == (
        "tax_free_amount"
    )
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="rest")

    receipt = bootpay.state.get_receipt(payment.receipt_id)
    payment.refresh_from_db()
    assert (receipt["cancelled_price"], receipt["cancelled_tax_free"]) == (68_000, 50_000)
    assert (payment.status, payment.cancelled_tax_free_amount) == ("cancelled", 50_000)


def test_a_line_cannot_refund_taxable_money_an_amount_cancel_already_returned(staff, mixed_payment, bootpay):
    payment = mixed_payment()
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=50_000)  # 18,000 taxable + 32,000
    seller_a = payment.order.items.get(is_tax_free=False).seller.user

    assert refused_field(payment_pk=payment.pk, actor=seller_a, reason="mine") == "items"
    assert bootpay.state.call_count("POST", "cancel") == 1
    payment.refresh_from_db()
    assert payment.cancelled_amount - payment.cancelled_tax_free_amount == TAXABLE


def test_a_deposited_virtual_account_needs_a_refund_account_before_bootpay_is_asked(
    staff, deposited_vbank, bootpay
):
    payment = deposited_vbank()

    assert refused_field(payment_pk=payment.pk, actor=staff, reason="x") == "refund"
    assert bootpay.state.call_count("POST", "cancel") == 0


# --- property: any sequence of amount / line / remainder cancels ---------------------------------

cancel_steps = st.lists(
    st.one_of(
        st.tuples(st.just("amount"), st.integers(1, 70_000), st.one_of(st.none(), st.integers(0, 60_000))),
        st.tuples(st.just("line"), st.sampled_from(["staff", "seller", "buyer"]), st.integers(0, 1)),
        st.tuples(
            st.just("remainder"),
            st.sampled_from(["staff", "buyer"]),
            st.one_of(st.none(), st.integers(0, 60_000)),
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=cancel_steps)
def test_no_sequence_of_cancels_over_refunds_either_part(steps, staff, buyer, mixed_payment, bootpay):
    with transaction.atomic():
        bootpay.state.reset()
        payment = mixed_payment()
        lines = list(payment.order.items.order_by("pk"))
        for kind, who, extra in steps:
            actor = {"staff": staff, "buyer": buyer}.get(who)
            kwargs = {"payment_pk": payment.pk, "reason": "p"}
            if kind == "amount":
                kwargs |= {"actor": staff, "amount": who, "tax_free_amount": extra}
            elif kind == "line":
                line = lines[extra]
                kwargs |= {"actor": actor or line.seller.user, "item_ids": [line.pk]}
            else:
                kwargs |= {"actor": actor, "tax_free_amount": extra if who == "staff" else None}
            try:
                payment_cancel(**kwargs)
            except DomainError as exc:
                # refused on our side, never by Bootpay: a split it would refuse is ours to catch
                assert exc.code not in (ErrorCode.GATEWAY_ERROR, ErrorCode.GATEWAY_UNAVAILABLE), exc.details
            payment.refresh_from_db()
            receipt = bootpay.state.get_receipt(payment.receipt_id)
            assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (
                receipt["cancelled_price"],
                receipt["cancelled_tax_free"],
            )
            assert 0 <= payment.cancelled_tax_free_amount <= TAX_FREE
            assert 0 <= payment.cancelled_amount - payment.cancelled_tax_free_amount <= TAXABLE
        transaction.set_rollback(True)  # each example starts from an empty database
