"""Reserved mode: after each paid period Bootpay is asked to charge the next one by itself; its webhook,
or our lookup past the execution time, books it once. Cancelling takes the reservation back first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import (
    subscription_cancel,
    subscriptions_charge_due,
    subscriptions_settle_reservations,
)
from payments.gateway import Receipt
from payments.models import Payment
from payments.services import payment_bind_receipt
from payments.services.common import Actor
from payments.webhooks import webhook_process, webhook_receive
from tests.billing_support import emulator_billing_key, emulator_webhook_paid
from tests.payments.billing.billing_fakes import EXECUTED, FAILED, RESERVED, REVOKED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reserve_mode(settings):
    settings.BILLING_MODE = "reserve"


def _charge(subscription, period) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


def _webhook(receipt_id: str, capture) -> None:
    body = f'{{"receipt_id": "{receipt_id}", "webhook_type": "PAYMENT_COMPLETED", "status": 1}}'.encode()
    with capture(execute=True):
        delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        assert webhook_process(delivery_pk=delivery.pk).state == "processed"


def test_a_paid_period_reserves_the_next_at_its_date(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)

    subscription.refresh_from_db()
    assert subscription.mode == "reserve" and subscription.current_period == 1
    reservation = fake_bootpay.reservations[subscription.reserve_id]
    charge = _charge(subscription, 2)
    assert charge.state == "pending" and charge.attempts == 1
    assert (reservation["order_id"], reservation["price"]) == (charge.order.order_id, subscription.price)
    assert reservation["execute_at"] == subscription.next_charge_at
    assert charge.order.expires_at > subscription.next_charge_at  # payable when Bootpay runs it
    assert subscription.events.get(kind="reserved").data["reserve_id"] == subscription.reserve_id

    # The beat does not charge it itself.
    assert (
        subscriptions_charge_due(now=subscription.next_charge_at + timedelta(hours=1), gateway=fake_bootpay)
        == {}
    )
    assert fake_bootpay.calls.count("charge_billing_key") == 1


def test_the_reservations_webhook_books_it_and_the_next_period_is_reserved(
    buyer, fake_bootpay, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    first_reserve = subscription.reserve_id

    executed = fake_bootpay.execute(first_reserve)
    _webhook(executed["receipt_id"], django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    assert subscription.current_period == 2 and _charge(subscription, 2).state == "paid"
    assert subscription.reserve_id and subscription.reserve_id != first_reserve
    assert (
        fake_bootpay.reservations[subscription.reserve_id]["order_id"]
        == _charge(subscription, 3).order.order_id
    )
    # The lookup finds it booked already: nothing twice.
    subscriptions_settle_reservations(now=subscription.next_charge_at, gateway=fake_bootpay)
    assert Payment.objects.filter(order=_charge(subscription, 2).order).count() == 1


def test_without_a_webhook_the_lookup_books_an_executed_reservation(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    fake_bootpay.execute(subscription.reserve_id)

    assert (
        subscriptions_settle_reservations(now=due, gateway=fake_bootpay) == {}
    )  # too early: left to the webhook
    counts = subscriptions_settle_reservations(now=due + timedelta(minutes=10), gateway=fake_bootpay)

    assert counts == {"executed": 1}
    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert Payment.objects.get(order=_charge(subscription, 2).order).status == "paid"
    assert fake_bootpay.reservations[subscription.reserve_id]["status"] == RESERVED  # period 3


def test_a_failed_reservation_takes_the_decline_path_and_is_retried_directly(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    fake_bootpay.decline(subscription.billing_key.key)
    assert fake_bootpay.execute(subscription.reserve_id)["status"] == FAILED

    assert subscriptions_settle_reservations(now=due + timedelta(minutes=10), gateway=fake_bootpay) == {
        "failed": 1
    }

    subscription.refresh_from_db()
    assert (subscription.status, subscription.reserve_id, subscription.retry_count) == ("past_due", "", 1)
    charge = _charge(subscription, 2)
    assert charge.state == "declined"
    fake_bootpay.decline(subscription.billing_key.key, False)
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period) == ("active", 2)
    assert fake_bootpay.charged.count(charge.order.order_id) == 1


def test_cancelling_takes_the_reservation_back_before_destroying_the_key(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    reserve_id, plain = subscription.reserve_id, subscription.billing_key.key

    cancelled = subscription_cancel(
        subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
    )

    assert cancelled.status == "cancelled" and cancelled.reserve_id == ""
    assert fake_bootpay.reservations[reserve_id]["status"] == REVOKED
    assert fake_bootpay.calls.index("reservation_cancel") < fake_bootpay.calls.index("billing_key_destroy")
    assert fake_bootpay.keys[plain]["destroyed"]
    charge = _charge(subscription, 2)
    assert charge.state == "cancelled" and charge.order.status == "cancelled"
    kinds = list(cancelled.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["reservation_cancelled", "cancelled", "key_destroyed"]
    again = subscription_cancel(
        subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
    )
    assert again.status == "cancelled" and fake_bootpay.calls.count("reservation_cancel") == 1


def test_cancelling_after_bootpay_ran_the_reservation_books_that_period_first(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    fake_bootpay.execute(subscription.reserve_id)

    cancelled = subscription_cancel(
        subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
    )

    assert cancelled.status == "cancelled" and cancelled.current_period == 2
    assert _charge(subscription, 2).state == "paid"
    assert not SubscriptionCharge.objects.filter(
        subscription=subscription, period=3
    ).exists()  # none reserved
    assert Payment.objects.get(order=_charge(subscription, 2).order).status == "paid"
    assert [d["status"] for d in fake_bootpay.reservations.values()] == [EXECUTED]


def test_a_reservation_bootpay_cannot_cancel_now_leaves_the_subscription_as_it_was(
    buyer, fake_bootpay, subscribe
):
    subscription = subscribe(buyer)
    fake_bootpay.fault("reservation_cancel", "timeout")

    with pytest.raises(DomainError) as caught:
        subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)

    assert caught.value.code == ErrorCode.GATEWAY_UNAVAILABLE
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.reserve_id
    assert "billing_key_destroy" not in fake_bootpay.calls


def test_an_unanswered_reservation_is_never_made_twice_nor_charged_directly(
    buyer, fake_bootpay, subscribe, settings
):
    fake_bootpay.fault("reserve_charge", "lost")
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    assert subscription.reserve_id == "" and _charge(subscription, 2).state == "unknown"
    due = subscription.next_charge_at

    subscriptions_charge_due(now=due + timedelta(minutes=1), gateway=fake_bootpay)
    subscriptions_settle_reservations(now=due + timedelta(minutes=10), gateway=fake_bootpay)
    assert fake_bootpay.calls.count("charge_billing_key") == 1
    assert fake_bootpay.calls.count("reserve_charge") == 1

    subscriptions_charge_due(
        now=due + settings.BILLING_UNKNOWN_GRACE + timedelta(minutes=1), gateway=fake_bootpay
    )
    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.next_charge_at is None


def test_a_refused_reservation_is_charged_directly_when_due(buyer, fake_bootpay, subscribe):
    fake_bootpay.fault("reserve_charge", "RC_RESERVE_LIMIT")
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    assert subscription.reserve_id == "" and subscription.events.filter(kind="reserve_refused").exists()

    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.current_period == 2 and fake_bootpay.calls.count("charge_billing_key") == 2


def test_a_reservation_run_while_the_buyer_pays_the_period_by_virtual_account_is_refunded_not_declined(
    buyer, fake_bootpay, subscribe
):
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    order = _charge(subscription, 2).order
    issued = Receipt.from_payload(
        {
            "receipt_id": "a" * 24,
            "order_id": order.order_id,
            "price": order.total_amount,
            "tax_free": order.tax_free_amount,
            "status": 5,
            "method_symbol": "vbank",
            "currency": "KRW",
        }
    )
    payment_bind_receipt(order_pk=order.pk, receipt=issued, actor=Actor(label="test"), gateway=fake_bootpay)
    run = fake_bootpay.execute(subscription.reserve_id)  # Bootpay runs the reservation anyway

    counts = subscriptions_settle_reservations(now=due + timedelta(minutes=10), gateway=fake_bootpay)

    assert counts == {"executed": 1}
    subscription.refresh_from_db()
    charge = _charge(subscription, 2)
    kinds = list(subscription.events.values_list("kind", flat=True))
    assert (subscription.status, subscription.retry_count, subscription.reserve_id) == ("active", 0, "")
    assert charge.state == "pending" and "charge_refunded" in kinds and "declined" not in kinds
    receipt = fake_bootpay.receipts[run["receipt_id"]]
    assert receipt["cancelled_price"] == receipt["price"]  # given back at once
    # While the virtual account is live the period is not charged directly either.
    calls = fake_bootpay.calls.count("charge_billing_key")
    subscriptions_charge_due(now=due + timedelta(days=1), gateway=fake_bootpay)
    assert fake_bootpay.calls.count("charge_billing_key") == calls


# --- With the emulator (the SDK over HTTP) -------------------------------------------------------


def _reserved_subscription(buyer, bootpay, subscribable):
    from payments.billing.services import subscription_create

    key, _ = emulator_billing_key(buyer, bootpay)
    subscription = subscription_create(
        buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id
    )
    subscription.refresh_from_db()
    assert subscription.reserve_id
    return subscription


# A reservation whose answer was lost (charge `unknown`, no reserve_id kept): cancelling closes that
# period's order, so when Bootpay runs the orphan reservation anyway its receipt is refunded.
def test_a_lost_reservation_answer_never_charges_the_buyer_after_cancel(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from payments.billing.services import subscription_cancel, subscription_create

    settings.BILLING_MODE = "reserve"
    key, _ = emulator_billing_key(buyer, bootpay)
    bootpay.state.add_fault("subscribe/payment/reserve", "lost_answer", times=1)
    first = subscription_create(buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id)
    second = subscription_create(buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id)
    charge = _charge(first, 2)
    assert charge.state == "unknown" and Subscription.objects.get(pk=first.pk).reserve_id == ""
    second.refresh_from_db()
    assert second.reserve_id  # the key stays alive for `second`

    subscription_cancel(subscription_id=first.subscription_id, actor=buyer)

    # Bootpay runs the reservation it did make for `first`, and notifies it.
    (orphan,) = [r for r in bootpay.state.list_reservations() if r["order_id"] == charge.order.order_id]
    assert orphan["status"] == 1, "the orphan reservation was left pending at Bootpay after cancel"
    executed = bootpay.state.execute_reservation(orphan["reserve_id"])
    receipt_id = executed["receipt"]["receipt_id"]
    emulator_webhook_paid(receipt_id)

    first.refresh_from_db()
    assert first.status == "cancelled"
    receipt = bootpay.state.get_receipt(receipt_id)
    assert receipt["cancelled_price"] == receipt["price"], "charged after cancel and never refunded"


# The buyer cancelling a reserved period's pending order gives the period up at once: subscription
# cancelled (order_closed), the reservation revoked at Bootpay, nothing ever charged.
def test_a_buyer_cancelling_a_reserved_periods_order_does_not_leave_the_subscription_stuck(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from orders.services import order_cancel_unpaid
    from payments.billing.services import subscriptions_settle_reservations

    settings.BILLING_MODE = "reserve"
    subscription = _reserved_subscription(buyer, bootpay, subscribable)
    reserve_id = subscription.reserve_id
    order_cancel_unpaid(order_pk=_charge(subscription, 2).order_id, actor=buyer)

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.reserve_id == ""
    assert subscription.events.filter(kind="cancelled", data__reason="order_closed").exists()
    (reservation,) = [r for r in bootpay.state.list_reservations() if r["reserve_id"] == reserve_id]
    assert reservation["status"] == 3, "the reservation of the closed order is left pending at Bootpay"
    later = subscription.next_charge_at or timezone.now() + timedelta(days=40)
    assert subscriptions_settle_reservations(now=later) == {}
    subscriptions_charge_due(now=later + timedelta(days=8))
    assert len(bootpay.state.list_receipts(_charge(subscription, 2).order.order_id)) == 0


# The same with Bootpay not answering the revoke and running the reservation anyway: the receipt meets
# a closed order and is refunded, the reservation is forgotten once looked up, nothing is stuck.
def test_a_reserved_periods_order_closed_while_bootpay_is_down_is_refunded_and_forgotten(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from orders.services import order_cancel_unpaid
    from payments.billing.services import subscriptions_settle_reservations

    settings.BILLING_MODE = "reserve"
    subscription = _reserved_subscription(buyer, bootpay, subscribable)
    reserve_id = subscription.reserve_id
    due = subscription.next_charge_at
    bootpay.state.add_fault("subscribe/payment/reserve/", "status_500", times=1)
    order_cancel_unpaid(order_pk=_charge(subscription, 2).order_id, actor=buyer)
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.reserve_id == reserve_id  # for the sweep

    executed = bootpay.state.execute_reservation(reserve_id)  # Bootpay runs it at its date
    later = due + timedelta(minutes=10)
    first = subscriptions_settle_reservations(now=later)
    second = subscriptions_settle_reservations(now=later + timedelta(minutes=5))

    subscription.refresh_from_db()
    assert subscription.reserve_id == "", f"the consumed reservation is kept ({first}, then {second})"
    assert second == {}, "the same executed reservation is looked up again on every settle run"
    assert subscription.status == "cancelled"
    receipt = bootpay.state.get_receipt(executed["receipt"]["receipt_id"])
    assert receipt["cancelled_price"] == receipt["price"], "charged for a closed order and not refunded"


# A reserved period paid another way (the buyer's checkout) revokes its reservation at Bootpay before
# forgetting its reserve_id: nothing is left pending to charge the card a second time.
def test_a_reserved_period_paid_otherwise_leaves_no_reservation_pending_at_bootpay(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from payments.billing.services import subscription_create
    from payments.services import payment_verify

    settings.BILLING_MODE = "reserve"
    key, _ = emulator_billing_key(buyer, bootpay)
    subscription = subscription_create(
        buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id
    )
    subscription.refresh_from_db()
    period_2_reservation = subscription.reserve_id
    order = _charge(subscription, 2).order
    receipt = bootpay.state.create_receipt(  # the buyer pays the pending order through the checkout
        order_id=order.order_id, price=order.total_amount, tax_free=0, order_name=order.order_name
    )
    payment_verify(order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=buyer)

    subscription.refresh_from_db()
    assert subscription.current_period == 2
    pending = [
        r["reserve_id"]
        for r in bootpay.state.list_reservations()
        if r["status"] == 1 and r["reserve_id"] != subscription.reserve_id
    ]
    assert pending == [], "period 2's reservation is still pending at Bootpay, forgotten by us"
    assert period_2_reservation not in pending
