"""A hypothesis state machine over the whole money model.

Orders, card / separate-approval / virtual-account payments (some tampered), deposits, confirms,
partial and line cancels, cancels made in Bootpay's admin, webhooks replayed in any order,
expiry and reconciliation — after every step the books must balance.
"""

import contextlib
import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from config.errors import DomainError
from orders.models import Order, OrderItem, Product, Seller
from orders.services import OrderLine, order_create, order_expire_unpaid
from payments import gateway
from payments.models import Cancellation, Payment
from payments.sandbox import SandboxError
from payments.services import payment_cancel, payment_confirm, payment_reconcile, payment_verify
from payments.webhooks import webhook_process, webhook_receive
from tests.payments.faults import apply_at_bootpay

pytestmark = pytest.mark.django_db

ORDER_STATUS_FOR_PAYMENT = {
    "paid": Order.Status.PAID,
    "partially_cancelled": Order.Status.PARTIALLY_REFUNDED,
    "cancelled": Order.Status.REFUNDED,
    "awaiting_confirm": Order.Status.PENDING_PAYMENT,
    "awaiting_deposit": Order.Status.PENDING_PAYMENT,
}


class MoneyModel(RuleBasedStateMachine):
    receipts = Bundle("receipts")
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each run rolls back to here, so runs never see each other's rows

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def setup_world(self):
        SANDBOX.state.reset()
        gateway.token_cache.clear()
        users = get_user_model()
        self.buyer = users.objects.create_user("sm-buyer")
        self.staff = users.objects.create_user("sm-staff", is_staff=True)
        self.seller_user = users.objects.create_user("sm-seller")
        seller = Seller.objects.create(user=self.seller_user, name="sm-shop")
        self.products = [
            Product.objects.create(seller=seller, name=f"p{i}", price=price, stock=12, is_tax_free=i == 2)
            for i, price in enumerate((3_000, 7_000, 5_000))
        ]
        self.initial_stock = {product.pk: 12 for product in self.products}
        self.snapshots: list[dict] = []  # every receipt state Bootpay ever showed, for replays

    # --- actions -----------------------------------------------------------------------------------

    @rule(
        target=orders, picks=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3)
    )
    def create_order(self, picks):
        try:
            order = order_create(
                buyer=self.buyer, lines=[OrderLine(self.products[i].pk, q) for i, q in picks]
            )
        except DomainError:
            return multiple()  # out of stock: nothing to pay for
        return order.pk

    @rule(
        target=receipts,
        order_pk=orders,
        kind=st.sampled_from(["paid", "awaiting_confirm", "vbank_issued"]),
        tamper=st.sampled_from([0, 0, 0, -1, 500]),
    )
    def pay(self, order_pk, kind, tamper):
        order = Order.objects.get(pk=order_pk)
        receipt = SANDBOX.state.create_receipt(
            order_id=order.order_id,
            price=max(1, order.total_amount + tamper),
            tax_free=min(order.tax_free_amount, max(1, order.total_amount + tamper)),
            method="vbank" if kind == "vbank_issued" else "card",
            state=kind,
        )
        self.snapshots.append(receipt)
        with contextlib.suppress(DomainError):
            payment_verify(order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=self.buyer)
        return receipt["receipt_id"]

    @rule(receipt_id=receipts)
    def deposit(self, receipt_id):
        if SANDBOX.state.get_receipt(receipt_id)["status"] == 5:
            self.snapshots.append(SANDBOX.state.deposit(receipt_id))

    @rule(receipt_id=receipts)
    def confirm(self, receipt_id):
        payment = Payment.objects.filter(receipt_id=receipt_id).first()
        if payment:
            with contextlib.suppress(DomainError):
                payment_confirm(payment_pk=payment.pk, actor=self.buyer)
            self.snapshots.append(SANDBOX.state.get_receipt(receipt_id))

    @rule(
        receipt_id=receipts,
        amount=st.one_of(st.none(), st.integers(1, 20_000)),
        tax_free=st.one_of(st.none(), st.integers(0, 20_000)),
        by_line=st.booleans(),
        who=st.sampled_from(["staff", "buyer", "seller"]),
        answer=st.sampled_from(["ok", "ok", "ok", "lost", "lost_after_applying", "refused"]),
    )
    def cancel(self, receipt_id, amount, tax_free, by_line, who, answer):
        payment = Payment.objects.filter(receipt_id=receipt_id).first()
        if not payment:
            return
        line = payment.order.items.filter(status=OrderItem.Status.PAID).first()
        actor = {"staff": self.staff, "buyer": self.buyer, "seller": self.seller_user}[who]
        if answer == "refused":
            SANDBOX.state.add_fault(
                path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1
            )
        elif answer != "ok":  # Bootpay's answer never arrives (it may or may not have applied it)
            SANDBOX.state.add_fault(path="cancel", mode="status_500", times=1)
        latest = payment.cancellations.order_by("-pk").values_list("pk", flat=True).first()
        try:
            if by_line and line:
                payment_cancel(payment_pk=payment.pk, actor=actor, reason="sm", item_ids=[line.pk])
            else:
                payment_cancel(
                    payment_pk=payment.pk, actor=actor, reason="sm", amount=amount, tax_free_amount=tax_free
                )
        except DomainError as exc:
            # Only a fault we injected reaches Bootpay's refusal: every split it would refuse is ours.
            if answer == "ok":
                assert exc.code not in ("gateway_error", "gateway_unavailable"), exc.details
        SANDBOX.state.clear_faults()
        sent = payment.cancellations.filter(pk__gt=latest or 0, state="requested").first()
        if answer == "lost_after_applying" and sent is not None:
            apply_at_bootpay(SANDBOX.state, sent)
        self.snapshots.append(SANDBOX.state.get_receipt(receipt_id))

    @rule(receipt_id=receipts, amount=st.integers(1, 20_000), tax_free=st.integers(0, 20_000))
    def cancel_in_bootpay_admin(self, receipt_id, amount, tax_free):
        with contextlib.suppress(SandboxError):  # Bootpay refuses (balance, status): nothing happened
            self.snapshots.append(
                SANDBOX.state.cancel(
                    receipt_id, cancel_price=amount, cancel_tax_free=min(amount, tax_free), cancel_id=None
                )
            )

    @rule(data=st.data())
    def webhook(self, data):
        if not self.snapshots:
            return
        snapshot = data.draw(st.sampled_from(self.snapshots))  # any past state: duplicates, out of order

        delivery = webhook_receive(
            raw_body=json.dumps(snapshot).encode(),
            content_type="application/json",
            headers={},
            remote_ip=None,
        )
        webhook_process(delivery_pk=delivery.pk)

    @rule()
    def time_passes(self):
        Order.objects.filter(status=Order.Status.PENDING_PAYMENT).update(
            expires_at=timezone.now() - timedelta(1)
        )
        order_expire_unpaid()

    @rule()
    def reconcile(self):
        touched = set(
            Cancellation.objects.filter(state=Cancellation.State.REQUESTED).values_list(
                "payment_id", flat=True
            )
        )
        payment_reconcile(older_than_minutes=0)
        for payment in Payment.objects.filter(pk__in=touched):
            at_pg = SANDBOX.state.get_receipt(payment.receipt_id)
            if payment.status != "failed":  # a refused charge books only its own refunds
                assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (
                    at_pg["cancelled_price"],
                    at_pg["cancelled_tax_free"],
                )

    # --- the books must balance --------------------------------------------------------------------

    @invariant()
    def cancelled_never_exceeds_paid_nor_what_bootpay_did(self):
        if not hasattr(self, "buyer"):
            return
        for payment in Payment.objects.all():
            assert 0 <= payment.cancelled_amount <= payment.amount
            succeeded = payment.cancellations.filter(state=Cancellation.State.SUCCEEDED).aggregate(
                s=Sum("amount")
            )
            assert payment.cancelled_amount == (succeeded["s"] or 0)
            at_pg = SANDBOX.state.get_receipt(payment.receipt_id)
            # never record a refund that did not happen
            assert payment.cancelled_amount <= at_pg["cancelled_price"]
            assert payment.cancelled_tax_free_amount <= at_pg["cancelled_tax_free"]
            if payment.status == "failed" and at_pg["status"] in (1, 20):  # a refused charge keeps no money
                assert at_pg["price"] == at_pg["cancelled_price"]

    @invariant()
    def neither_part_is_refunded_beyond_what_was_paid(self):
        if not hasattr(self, "buyer"):
            return
        for payment in Payment.objects.all():
            assert 0 <= payment.cancelled_tax_free_amount <= payment.tax_free_amount
            paid_taxable = payment.amount - payment.tax_free_amount
            assert 0 <= payment.cancelled_amount - payment.cancelled_tax_free_amount <= paid_taxable
            at_pg = SANDBOX.state.get_receipt(payment.receipt_id)
            assert (
                at_pg["cancelled_price"] - at_pg["cancelled_tax_free"] <= at_pg["price"] - at_pg["tax_free"]
            )

    @invariant()
    def a_line_is_refunded_at_most_once(self):
        if not hasattr(self, "buyer"):
            return
        live = Cancellation.objects.exclude(state=Cancellation.State.FAILED)
        named = list(
            Cancellation.items.through.objects.filter(cancellation__in=live).values_list("orderitem_id")
        )
        assert len(named) == len(set(named))

    @invariant()
    def order_and_payment_statuses_agree(self):
        if not hasattr(self, "buyer"):
            return
        for order in Order.objects.all():
            live = list(order.payments.filter(status__in=Payment.LIVE_STATUSES))
            assert len(live) <= 1, "an order is paid at most once"
            if live:
                assert order.status == ORDER_STATUS_FOR_PAYMENT[live[0].status]
            else:
                assert order.status in (
                    Order.Status.PENDING_PAYMENT,
                    Order.Status.EXPIRED,
                    Order.Status.CANCELLED,
                )
            if order.status == Order.Status.PAID:
                assert live and SANDBOX.state.get_receipt(live[0].receipt_id)["price"] == order.total_amount

    @invariant()
    def stock_is_conserved(self):
        if not hasattr(self, "buyer"):
            return
        for product in Product.objects.filter(pk__in=self.initial_stock):
            held = OrderItem.objects.filter(
                product=product, status__in=[OrderItem.Status.PENDING_PAYMENT, OrderItem.Status.PAID]
            ).aggregate(q=Sum("quantity"))
            assert product.stock >= 0
            assert product.stock + (held["q"] or 0) == self.initial_stock[product.pk]


SANDBOX = None


# The suite's 120 s timeout guards against hangs; this test runs some 1,600 steps: 15-30 s on a quiet
# machine, 4-8 times that on a loaded 2-core one. A timeout inside it is also misreported: pytest-timeout
# raises `Failed` from its SIGALRM handler wherever the test is, often while psycopg waits for a query's
# answer (the query is abandoned mid-protocol); Hypothesis takes `Failed` for a falsifying example and
# replays on that connection, so the run ends in FlakyStrategyDefinition, "another command is already in
# progress" and TransactionManagementError, the timeout showing only as a banner in the captured output.
@pytest.mark.timeout(600)
def test_money_model_stays_consistent(bootpay):
    global SANDBOX
    SANDBOX = bootpay
    run_state_machine_as_test(
        MoneyModel,
        settings=settings(
            max_examples=int(os.environ.get("HYPOTHESIS_STATEFUL_EXAMPLES", 40)),
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
