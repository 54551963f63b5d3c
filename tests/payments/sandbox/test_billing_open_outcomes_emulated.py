"""Automatic payments against the Bootpay emulator over HTTP (the real SDK, its faults, its webhooks), on
PostgreSQL: a charge whose answer was lost stays open whatever the buyer or staff do meanwhile, and after
Bootpay's webhook the money at Bootpay equals our books; a virtual account on a past-due period is not
charged over, and cancelling the subscription withdraws it."""

import json
import time
from datetime import timedelta

import pytest

from orders.models import Order
from orders.services import order_cancel_unpaid
from payments import gateway as gateway_module
from payments.billing.models import SubscriptionCharge
from payments.billing.services import (
    billing_key_register,
    billing_key_request_start,
    subscription_cancel,
    subscription_charge_open_list,
    subscription_charge_period,
    subscription_create,
    subscriptions_charge_due,
)
from payments.models import Payment
from payments.services import payment_verify
from payments.webhooks import webhook_process, webhook_receive
from tests.billing_support import issue_card
from tests.payments.webhook_receiver import Receiver

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CHARGE_PATH = "subscribe/payment"


@pytest.fixture
def card(bootpay, buyer):
    def issue():
        request = billing_key_request_start(buyer=buyer)
        issued = issue_card(bootpay, request.subscription_id)
        key = billing_key_register(buyer=buyer, receipt_id=issued["receipt_id"])
        return key, issued["billing_key"]

    return issue


@pytest.fixture
def subscribe_with(buyer, make_product):
    def subscribe(key):
        product = make_product(price=9_900, stock=5, subscription_interval="month")
        return subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)

    return subscribe


def _deliver(receiver: Receiver, *, until_order_id: str, timeout: float = 10.0) -> None:
    """Hand every webhook Bootpay sent, as it sent them, to our webhook path (receive, then process),
    until one for `until_order_id` has been handed over."""
    handed = getattr(receiver, "handed", 0)
    deadline = time.monotonic() + timeout
    while True:
        entries = receiver.wait_for(handed + 1, timeout=max(0.1, deadline - time.monotonic()))
        for entry in entries[handed:]:
            delivery = webhook_receive(
                raw_body=entry["body"], content_type=entry["content_type"], headers={}, remote_ip=None
            )
            webhook_process(delivery_pk=delivery.pk)
            handed += 1
            receiver.handed = handed
            if json.loads(entry["body"]).get("order_id") == until_order_id:
                return


def _period(subscription, period=2) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


def _due(subscription):
    subscription.refresh_from_db()
    return subscription.next_charge_at + timedelta(minutes=1)


def _books_equal_bootpay(bootpay) -> None:
    """Every receipt at the emulator: what Bootpay keeps of it is what our books keep of it."""
    for receipt in bootpay.state.list_receipts():
        if receipt["status"] in (11,):  # a billing-key issuance moves no money
            continue
        kept_at_bootpay = receipt["price"] - receipt["cancelled_price"]
        payment = Payment.objects.filter(receipt_id=receipt["receipt_id"]).first()
        kept_in_books = payment.amount - payment.cancelled_amount if payment else 0
        assert kept_in_books == kept_at_bootpay, receipt["receipt_id"]


def _cancel_period_order(subscription, buyer, staff, settings):
    order_cancel_unpaid(order_pk=_period(subscription).order_id, actor=buyer)


def _cancel_subscription(subscription, buyer, staff, settings):
    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer)


def _staff_cancel_past_due(subscription, buyer, staff, settings):
    later = _due(subscription) + settings.BILLING_UNKNOWN_GRACE + timedelta(minutes=1)
    subscriptions_charge_due(now=later)
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    subscription_cancel(subscription_id=subscription.subscription_id, actor=staff)


@pytest.mark.parametrize("fault", ["lost_answer", "latency"])
@pytest.mark.parametrize("interleaving", [_cancel_period_order, _cancel_subscription, _staff_cancel_past_due])
def test_a_lost_renewal_answer_stays_open_through_a_cancel_and_its_webhook_balances_the_books(
    interleaving, fault, bootpay, receiver, card, subscribe_with, buyer, make_user, settings
):
    staff = make_user(is_staff=True)
    key, _plain = card()
    subscription, keeps_card_alive = subscribe_with(key), subscribe_with(key)
    # Bootpay applies the renewal; its answer is lost (closed without a reply) or later than our timeout.
    latency = {"latency_s": 1.5} if fault == "latency" else {}
    bootpay.state.add_fault(path=CHARGE_PATH, mode=fault, times=1, **latency)
    subscriptions_charge_due(now=_due(subscription))
    assert _period(subscription).state == "unknown"

    interleaving(subscription, buyer, staff, settings)

    charge = _period(subscription)
    assert charge.state == "unknown"  # open, and listed, whatever happened to its order and subscription
    assert charge in subscription_charge_open_list()
    assert subscription.events.filter(kind="outcome_unknown", data__period=2).exists()
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"

    # Bootpay's notice of the renewal, sent although our call did not hear back (and the others').
    _deliver(receiver, until_order_id=charge.order.order_id)

    charge.refresh_from_db()
    assert charge.state == "cancelled" and charge not in subscription_charge_open_list()
    _books_equal_bootpay(bootpay)
    keeps_card_alive.refresh_from_db()
    assert keeps_card_alive.status == "active"


def test_a_virtual_account_on_a_past_due_period_is_not_charged_over_and_a_cancel_withdraws_it(
    bootpay, card, subscribe_with, buyer, pay_at_pg, settings
):
    key, plain = card()
    subscription = subscribe_with(key)
    bootpay.state.set_decline(plain, True)
    subscriptions_charge_due(now=_due(subscription))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.retry_count) == ("past_due", 1)
    order = _period(subscription).order
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.status == "awaiting_deposit"
    bootpay.state.set_decline(plain, False)  # the card works again
    charges_before = bootpay.state.call_count("POST", CHARGE_PATH)

    for _retry in settings.BILLING_RETRY_SCHEDULE_HOURS:  # every retry falls while the account is live
        subscriptions_charge_due(now=_due(subscription) + timedelta(days=30))

    assert bootpay.state.call_count("POST", CHARGE_PATH) == charges_before  # no charge, no refund
    subscription.refresh_from_db()
    assert (subscription.status, subscription.retry_count) == ("past_due", 1)
    assert not subscription.events.filter(kind="declined", data__pg_code="order_not_payable").exists()

    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "cancelled" and payment.status == "failed"
    assert bootpay.state.get_receipt(receipt_id)["status"] == 20  # withdrawn at Bootpay
    with pytest.raises(Exception, match="status 5"):
        bootpay.state.deposit(receipt_id)  # no deposit can pay the cancelled period
    key.refresh_from_db()
    assert key.status == "removed"


def test_a_charge_refused_by_us_is_refunded_and_never_counted_as_a_decline(
    bootpay, card, subscribe_with, buyer, pay_at_pg
):
    """The buyer's virtual account is issued while the renewal is on its way to Bootpay: the renewal's
    receipt meets an order with another live payment (order_not_payable), is refunded, and the period is
    neither declined nor given up."""
    key, _plain = card()
    subscription = subscribe_with(key)
    real = gateway_module.get_gateway()

    class BuyerPaysMeanwhile:
        def __getattr__(self, name):
            return getattr(real, name)

        def charge_billing_key(self, **call):
            order = Order.objects.get(order_id=call["order_id"])
            receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
            payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
            return real.charge_billing_key(**call)

    charge = subscription_charge_period(
        subscription_pk=subscription.pk, now=_due(subscription), gateway=BuyerPaysMeanwhile()
    )

    subscription.refresh_from_db()
    assert charge.state == "pending" and charge.last_error_code == "order_not_payable"
    assert subscription.status == "active" and subscription.retry_count == 0
    kinds = list(subscription.events.values_list("kind", flat=True))
    assert "charge_refunded" in kinds and "declined" not in kinds
    _books_equal_bootpay(bootpay)
    # While the virtual account lives, the due period is not charged again.
    calls = bootpay.state.call_count("POST", CHARGE_PATH)
    subscriptions_charge_due(now=_due(subscription) + timedelta(days=1))
    assert bootpay.state.call_count("POST", CHARGE_PATH) == calls
