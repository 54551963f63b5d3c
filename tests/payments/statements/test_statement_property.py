"""Property: whatever mix of refunds a period saw, the statement, our payments and Bootpay agree.

Random multi-seller orders with taxable and tax-free lines are paid through the emulator, then random
line refunds (buyer, seller, staff), staff amount refunds and remainders, and cancels made at Bootpay
(the emulator's own cancel, then a sync) follow. Afterwards Σ seller net == Σ payments (paid −
cancelled) == Σ over the emulator's receipts (price − cancelled_price), the tax-free parts likewise,
and `statement_reconcile` finds no difference.
"""

import itertools
import os
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import DomainError
from orders.models import Product, Seller
from orders.services import OrderLine, order_create
from payments import gateway
from payments.models import CancellationShare, Payment
from payments.services import (
    payment_cancel,
    payment_sync_from_receipt,
    payment_verify,
)
from payments.services.common import Actor
from payments.statements.reconcile import statement_reconcile
from payments.statements.selectors import staff_statement
from tests.payments.statements.support import kst_today

pytestmark = pytest.mark.django_db

_names = itertools.count(1)

line = st.tuples(
    st.integers(0, 3),  # seller index
    st.integers(1, 40).map(lambda n: n * 250 + 7),  # unit price (odd amounts make rounding matter)
    st.integers(1, 3),  # quantity
    st.booleans(),  # tax-free
)
order = st.lists(line, min_size=1, max_size=4)
action = st.one_of(
    st.tuples(
        st.just("line"), st.integers(0, 9), st.integers(0, 9), st.sampled_from(["buyer", "seller", "staff"])
    ),
    st.tuples(st.just("amount"), st.integers(0, 9), st.floats(0.01, 1), st.floats(0, 1)),
    st.tuples(st.just("bootpay"), st.integers(0, 9), st.floats(0.01, 1), st.floats(0, 1)),
    st.tuples(st.just("remainder"), st.integers(0, 9), st.just(0), st.just(0)),
)


def _refund_at_bootpay(sandbox, payment: Payment, share: float, tax_free_share: float) -> None:
    """A cancel made in Bootpay's admin (any split Bootpay accepts), then the receipt synced to us."""
    receipt = sandbox.state.get_receipt(payment.receipt_id)
    left = receipt["price"] - receipt["cancelled_price"]
    if left < 1:
        return
    amount = max(1, int(left * share))
    tax_free_left = receipt["tax_free"] - receipt["cancelled_tax_free"]
    tax_free = int(min(amount, tax_free_left) * tax_free_share)
    sandbox.state.cancel(
        payment.receipt_id, cancel_price=amount, cancel_tax_free=tax_free, cancel_id=f"admin-{next(_names)}"
    )
    fetched = gateway.get_gateway().lookup_receipt(payment.receipt_id)
    payment_sync_from_receipt(receipt=fetched, actor=Actor(label="webhook"))


def _apply(step, payments, *, buyer, staff, sandbox) -> None:
    kind, which, first, second = step
    payment = payments[which % len(payments)]
    payment.refresh_from_db()
    try:
        if kind == "line":
            lines = list(payment.order.items.order_by("pk"))
            chosen = lines[first % len(lines)]
            actor = {"buyer": buyer, "staff": staff, "seller": chosen.seller.user}[second]
            payment_cancel(payment_pk=payment.pk, actor=actor, reason="line", item_ids=[chosen.pk])
        elif kind == "amount":
            left = payment.amount - payment.cancelled_amount
            amount = max(1, int(left * first))
            taxable_left = left - (payment.tax_free_amount - payment.cancelled_tax_free_amount)
            lowest = max(0, amount - max(0, taxable_left))
            highest = min(amount, payment.tax_free_amount - payment.cancelled_tax_free_amount)
            tax_free = lowest + int(max(0, highest - lowest) * second)
            payment_cancel(
                payment_pk=payment.pk, actor=staff, reason="amount", amount=amount, tax_free_amount=tax_free
            )
        elif kind == "bootpay":
            _refund_at_bootpay(sandbox, payment, first, second)
        else:
            payment_cancel(payment_pk=payment.pk, actor=staff, reason="the rest")
    except DomainError:
        pass  # refused (nothing left, a line already refunded, a split that does not fit): books unchanged


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_STATEMENT_EXAMPLES", 25)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(orders=st.lists(order, min_size=1, max_size=3), steps=st.lists(action, max_size=8))
def test_sellers_net_equals_the_payments_and_bootpays_receipts(
    orders, steps, make_user, buyer, staff, bootpay, pay_at_pg
):
    with transaction.atomic():
        sellers = [
            Seller.objects.create(user=make_user(f"prop-owner{next(_names)}"), name=f"prop{next(_names)}")
            for _ in range(4)
        ]
        payments = []
        for lines in orders:
            products: dict[tuple, Product] = {}
            for seller_index, price, _, tax_free in lines:
                products.setdefault(
                    (seller_index, price, tax_free),
                    Product.objects.create(
                        seller=sellers[seller_index], name="p", price=price, stock=100, is_tax_free=tax_free
                    ),
                )
            placed = order_create(
                buyer=buyer,
                lines=[
                    OrderLine(products[(s, p, t)].pk, quantity)
                    for s, p, quantity, t in {(s, p, t): (s, p, q, t) for s, p, q, t in lines}.values()
                ],
            )
            payments.append(
                payment_verify(order_id=placed.order_id, receipt_id=pay_at_pg(placed), actor=buyer)
            )
        for step in steps:
            _apply(step, payments, buyer=buyer, staff=staff, sandbox=bootpay)

        today = kst_today()
        period = {"date_from": today - timedelta(days=1), "date_to": today + timedelta(days=1)}
        statement = staff_statement(**period)
        ours = list(Payment.objects.filter(pk__in=[p.pk for p in payments]))
        receipts = [bootpay.state.get_receipt(p.receipt_id) for p in ours]

        net = statement.total.net
        assert (
            net.total
            == sum(p.amount - p.cancelled_amount for p in ours)
            == sum(r["price"] - r["cancelled_price"] for r in receipts)
        )
        assert (
            net.tax_free
            == sum(p.tax_free_amount - p.cancelled_tax_free_amount for p in ours)
            == sum(r["tax_free"] - r["cancelled_tax_free"] for r in receipts)
        )
        assert net.total == sum(s.net.total for s in statement.sellers)
        for payment in ours:
            charged = CancellationShare.objects.filter(
                cancellation__payment=payment, cancellation__state="succeeded"
            ).values_list("amount", "tax_free_amount")
            assert (sum(a for a, _ in charged), sum(t for _, t in charged)) == (
                payment.cancelled_amount,
                payment.cancelled_tax_free_amount,
            )
        assert statement_reconcile(**period).differences == []
        transaction.set_rollback(True)
