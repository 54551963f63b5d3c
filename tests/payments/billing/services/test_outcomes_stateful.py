"""A hypothesis state machine over a renewal's outcome: charges answered, declined, timed out or lost,
interleaved with the buyer closing the period's order or the subscription, staff cancelling, the clock
passing the grace, order expiry, and Bootpay's webhooks arriving late, twice or never.

After every step: money Bootpay holds is either booked (a live payment keeping exactly that much) or
tied to a charge whose outcome is open; every `unknown` charge carries its `outcome_unknown` event. Once
every webhook has arrived, Bootpay and our books agree on every receipt."""

import contextlib
import json
import os
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from config.errors import DomainError
from orders.models import Order
from orders.services import order_cancel_unpaid, order_expire_unpaid
from payments import gateway as bootpay
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import (
    billing_key_register,
    billing_key_request_start,
    subscription_cancel,
    subscription_create,
    subscriptions_charge_due,
)
from payments.models import Payment
from payments.webhooks import webhook_process, webhook_receive
from tests.payments.billing.billing_fakes import FakeBootpay

pytestmark = pytest.mark.django_db

OPEN = SubscriptionCharge.OPEN_STATES


class RenewalOutcomes(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each run rolls back to here

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        bootpay.set_gateway(None)

    @initialize()
    def setup_world(self):
        from django.contrib.auth import get_user_model

        from orders.models import Product, Seller

        self.fake = FakeBootpay()
        bootpay.set_gateway(self.fake)
        users = get_user_model()
        self.buyer = users.objects.create_user("sm-billing-buyer")
        self.staff = users.objects.create_user("sm-billing-staff", is_staff=True)
        seller = Seller.objects.create(user=users.objects.create_user("sm-billing-seller"), name="s")
        request = billing_key_request_start(buyer=self.buyer)
        receipt_id = self.fake.issue_key(request.subscription_id)
        self.key = billing_key_register(buyer=self.buyer, receipt_id=receipt_id, gateway=self.fake)
        self.subscriptions = []
        for price in (9_900, 16_000):
            product = Product.objects.create(
                seller=seller, name=f"p{price}", price=price, stock=50, subscription_interval="month"
            )
            self.subscriptions.append(
                subscription_create(
                    buyer=self.buyer,
                    product_id=product.pk,
                    billing_key_id=self.key.billing_key_id,
                    gateway=self.fake,
                )
            )
        self.now = timezone.now()

    # --- what happens -------------------------------------------------------------------------------

    @rule(
        outcome=st.sampled_from(["answered", "declined", "timeout", "lost"]),
        days=st.sampled_from([0, 1, 31, 45]),
    )
    def renewals_run(self, outcome, days):
        self.now += timedelta(days=days)
        self.fake.decline(self.fake_key(), outcome == "declined")
        if outcome in ("timeout", "lost"):
            self.fake.fault("charge_billing_key", outcome)
        subscriptions_charge_due(now=self.now, gateway=self.fake)
        self.fake._faults.clear()

    @rule(which=st.integers(min_value=0, max_value=1))
    def buyer_closes_the_period_order(self, which):
        charge = self._next_charge(which)
        if charge is not None:
            with contextlib.suppress(DomainError):
                order_cancel_unpaid(order_pk=charge.order_id, actor=self.buyer)

    @rule(which=st.integers(min_value=0, max_value=1), by_staff=st.booleans())
    def subscription_cancelled(self, which, by_staff):
        subscription = self.subscriptions[which]
        with contextlib.suppress(DomainError):
            subscription_cancel(
                subscription_id=subscription.subscription_id,
                actor=self.staff if by_staff else self.buyer,
                gateway=self.fake,
            )

    @rule()
    def grace_passes(self):
        from django.conf import settings as django_settings

        self.now += django_settings.BILLING_UNKNOWN_GRACE + timedelta(minutes=1)
        subscriptions_charge_due(now=self.now, gateway=self.fake)

    @rule(days=st.integers(min_value=1, max_value=90))
    def orders_expire(self, days):
        order_expire_unpaid(now=self.now + timedelta(days=days))

    @precondition(lambda self: self.fake.receipts)
    @rule(data=st.data())
    def a_webhook_arrives(self, data):
        # By position in the order Bootpay made them: receipt ids are random, positions are not, so a
        # replayed example draws the same receipt.
        receipts = list(self.fake.receipts)
        self._deliver(receipts[data.draw(st.integers(min_value=0, max_value=len(receipts) - 1))])

    # --- what must hold -----------------------------------------------------------------------------

    @invariant()
    def money_at_bootpay_is_booked_or_its_charge_is_open(self):
        for receipt_id, receipt in self.fake.receipts.items():
            kept = receipt["price"] - receipt["cancelled_price"]
            payment = Payment.objects.filter(receipt_id=receipt_id).first()
            if payment is not None:
                booked = payment.amount - payment.cancelled_amount
                if payment.cancellations.filter(state="requested").exists():
                    continue  # a refund on its way: reconcile's business, visible as `requested`
                assert booked == kept, (receipt_id, payment.status, booked, kept)
                continue
            if kept == 0:
                continue
            charge = SubscriptionCharge.objects.get(order__order_id=receipt["order_id"])
            assert charge.state in OPEN, (receipt_id, charge.state)

    @invariant()
    def every_unknown_charge_says_so_in_its_timeline(self):
        for charge in SubscriptionCharge.objects.filter(state="unknown"):
            assert charge.subscription.events.filter(
                kind="outcome_unknown", data__period=charge.period
            ).exists()

    @invariant()
    def a_closed_order_holds_no_money(self):
        for order in Order.objects.filter(status__in=("cancelled", "expired")):
            kept = sum(p.amount - p.cancelled_amount for p in order.payments.exclude(status="failed"))
            assert kept == 0, order.order_id

    @rule()
    def every_webhook_arrives_at_last(self):
        for receipt_id in list(self.fake.receipts):
            self._deliver(receipt_id)
        for receipt_id, receipt in self.fake.receipts.items():
            payment = Payment.objects.get(receipt_id=receipt_id)
            assert payment.amount - payment.cancelled_amount == receipt["price"] - receipt["cancelled_price"]
            charge = SubscriptionCharge.objects.filter(order__order_id=receipt["order_id"]).first()
            assert charge is None or charge.state not in OPEN, (receipt_id, charge.state)

    # --- helpers ------------------------------------------------------------------------------------

    def fake_key(self) -> str:
        return next(iter(self.fake.keys))

    def _next_charge(self, which: int) -> SubscriptionCharge | None:
        subscription = Subscription.objects.get(pk=self.subscriptions[which].pk)
        return SubscriptionCharge.objects.filter(
            subscription=subscription, period=subscription.current_period + 1
        ).first()

    def _deliver(self, receipt_id: str) -> None:
        body = json.dumps({"receipt_id": receipt_id, "webhook_type": "PAYMENT_COMPLETED"}).encode()
        delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        webhook_process(delivery_pk=delivery.pk)


def test_renewal_outcomes_survive_every_interleaving(on_commit_now):
    run_state_machine_as_test(
        RenewalOutcomes,
        settings=settings(
            max_examples=int(os.environ.get("BILLING_STATEFUL_EXAMPLES", "30")),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
