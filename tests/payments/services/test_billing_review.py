"""Adversarial review of automatic payments: each test here (marked `# regression:`) failed on the code
it was written against and showed a money defect; the comment says what was wrong and what holds now."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from payments.models import Subscription, SubscriptionCharge
from payments.services import (
    subscription_charge_retry,
    subscriptions_charge_due,
)

pytestmark = pytest.mark.django_db


def _charge(subscription, period) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


# regression: staff "charge again" (admin action / subscription_charge_retry) does not check that there is an
# unknown or declined charge to settle. On a subscription whose period is paid it sets next_charge_at=now
# and charges the NEXT period at once: the buyer pays a month early. A stale second click (or the admin
# action run on a selection) after the retry went through charges yet another period.
# Fix: refuse (e.g. subscription_not_active / a new code) unless the period due has a charge in
# `unknown` or `declined`; never move next_charge_at forward otherwise.
def test_charge_again_on_a_paid_up_subscription_charges_nothing(buyer, make_user, fake_bootpay, subscribe):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    assert due > timezone.now() + timedelta(days=20)  # period 1 paid, period 2 due in a month

    with contextlib.suppress(DomainError):
        subscription_charge_retry(
            subscription_id=subscription.subscription_id,
            actor=staff,
            gateway=fake_bootpay,
            no_charge_confirmed=True,
        )

    assert fake_bootpay.calls.count("charge_billing_key") == 1  # only period 1, at subscribe
    subscription.refresh_from_db()
    assert subscription.current_period == 1
    assert subscription.next_charge_at == due


# regression (same root cause): two staff "charge again" clicks on an unknown charge that took no money: the
# first charges the period, the second (stale page, double click) charges the following period too.
def test_charge_again_twice_charges_the_unknown_period_once_and_nothing_else(
    buyer, make_user, fake_bootpay, subscribe
):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    assert _charge(subscription, 2).state == "unknown"

    for _ in range(2):
        with contextlib.suppress(DomainError):
            subscription_charge_retry(
                subscription_id=subscription.subscription_id,
                actor=staff,
                gateway=fake_bootpay,
                no_charge_confirmed=True,
            )

    assert _charge(subscription, 2).state == "paid"
    assert not SubscriptionCharge.objects.filter(subscription=subscription, period=3).exists()
    assert len(fake_bootpay.charged) == 2  # period 1 and period 2, nothing more


# --- With the real emulator (the `bootpay` fixture: the SDK over HTTP) -------------------------------


def _emulator_key(buyer, bootpay):
    from payments.services import billing_key_register, billing_key_request_start

    request = billing_key_request_start(buyer=buyer)
    issued = bootpay.state.issue_billing_key(request.subscription_id)
    return billing_key_register(buyer=buyer, receipt_id=issued["receipt_id"]), issued["billing_key"]


def _webhook(receipt_id: str):
    from payments.webhooks import webhook_process, webhook_receive

    body = f'{{"receipt_id": "{receipt_id}", "webhook_type": "PAYMENT_COMPLETED", "status": 1}}'.encode()
    delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
    return webhook_process(delivery_pk=delivery.pk)


# regression: a reservation whose answer was lost (charge `unknown`, stage reserve, no reserve_id kept) is
# invisible to subscription_cancel: it is not cancelled at Bootpay (no reserve_id), and cancel closes
# only `pending`/`declined` periods, so the `unknown` period's order stays payable. When Bootpay runs the
# orphan reservation (the key is still alive: another subscription uses it), its webhook books the money
# as an ordinary paid period of a CANCELLED subscription: the buyer is charged after cancelling and
# nothing refunds it. (Same for a direct charge whose answer was lost: docs/billing.md says cancel
# closes "its unpaid periods' orders", but an unknown one is left open and a late webhook is kept.)
# Fix: in subscription_cancel also close the orders of `unknown` (and `sending`) periods after the
# current one — then a late receipt meets order_not_payable and the money core refunds it — and mark
# those charges cancelled; optionally keep the order id of an unanswered reservation for the sweep.
def test_a_lost_reservation_answer_never_charges_the_buyer_after_cancel(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from payments.services import subscription_cancel, subscription_create

    settings.BILLING_MODE = "reserve"
    key, _ = _emulator_key(buyer, bootpay)
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
    _webhook(receipt_id)

    first.refresh_from_db()
    assert first.status == "cancelled"
    receipt = bootpay.state.get_receipt(receipt_id)
    assert receipt["cancelled_price"] == receipt["price"], "charged after cancel and never refunded"


# regression (same root cause, charge mode): a renewal whose answer was lost, then the buyer cancels. The
# charge's webhook arrives after the cancel and is booked as a paid period of the cancelled subscription
# (its period even advances), although the cancel was meant to close every unpaid period's order.
def test_a_late_webhook_of_an_unknown_charge_after_cancel_is_refunded(
    buyer, bootpay, subscribable, on_commit_now
):
    from payments.services import subscription_cancel, subscription_create

    key, _ = _emulator_key(buyer, bootpay)
    subscription = subscription_create(
        buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id
    )
    subscription.refresh_from_db()
    bootpay.state.add_fault("subscribe/payment", "lost_answer", times=1)
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1))
    charge = _charge(subscription, 2)
    assert charge.state == "unknown"

    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer)
    (late,) = bootpay.state.list_receipts(charge.order.order_id)
    _webhook(late["receipt_id"])

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert subscription.current_period == 1, "a cancelled subscription advanced to a period paid after cancel"
    receipt = bootpay.state.get_receipt(late["receipt_id"])
    assert receipt["cancelled_price"] == receipt["price"]


# regression: reserve mode creates period N+1's order (an ordinary pending order in the buyer's list) a
# whole period before it is due. A buyer who cancelled that order left the reservation pending (Bootpay
# charged, the money core refunded) and the subscription stuck past_due with the consumed reserve_id kept.
# Now: the buyer's close gives the period up at once — subscription cancelled (order_closed), the
# reservation revoked at Bootpay, so nothing is ever charged.
def test_a_buyer_cancelling_a_reserved_periods_order_does_not_leave_the_subscription_stuck(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from orders.services import order_cancel_unpaid
    from payments.services import subscriptions_settle_reservations

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


# regression (same, Bootpay not answering the revoke, then running the reservation anyway): the receipt
# meets a closed order and is refunded, the reservation is forgotten once looked up, nothing is stuck.
def test_a_reserved_periods_order_closed_while_bootpay_is_down_is_refunded_and_forgotten(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from orders.services import order_cancel_unpaid
    from payments.services import subscriptions_settle_reservations

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


def _reserved_subscription(buyer, bootpay, subscribable):
    from payments.services import subscription_create

    key, _ = _emulator_key(buyer, bootpay)
    subscription = subscription_create(
        buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id
    )
    subscription.refresh_from_db()
    assert subscription.reserve_id
    return subscription


# regression: the first charge's answer is lost (Bootpay charged the card): subscription_create answers 503
# gateway_unavailable. The natural client reaction — subscribe again — creates a second subscription and
# charges the card a second time; once the first charge's webhook arrives the buyer pays twice for the
# same product and period, with two live subscriptions (docs: "Not idempotent: a retry subscribes
# again"). Nothing refunds either charge.
# Fix: refuse a second live subscription of the same buyer to the same product (409, with the existing
# subscription_id in details), at least while the first one's first charge is unknown; or take an
# Idempotency-Key like the cancel endpoint does.
def test_subscribing_again_after_an_unanswered_first_charge_does_not_charge_twice(
    buyer, bootpay, subscribable, on_commit_now
):
    from payments.services import subscription_create

    key, _ = _emulator_key(buyer, bootpay)
    product = subscribable()
    bootpay.state.add_fault("subscribe/payment", "lost_answer", times=1)
    with pytest.raises(DomainError) as first:
        subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
    assert first.value.code == "gateway_unavailable"

    with contextlib.suppress(DomainError):  # the browser shows the 503; the buyer subscribes again
        subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
    for subscription in Subscription.objects.filter(buyer=buyer):  # the first charge's webhook arrives
        for receipt in bootpay.state.list_receipts(_charge(subscription, 1).order.order_id):
            _webhook(receipt["receipt_id"])

    kept = [
        receipt
        for receipt in bootpay.state.list_receipts()
        if receipt["status"] == 1 and receipt["cancelled_price"] == 0 and receipt["price"] > 0
    ]
    assert len(kept) == 1, f"the buyer was charged {len(kept)} times for one subscription"
    assert Subscription.objects.filter(buyer=buyer, status__in=("active", "past_due")).count() == 1


# regression: an unknown outcome past the grace waits for staff (past_due, next_charge_at None) with no time
# limit, but the period's order still expires at due + last retry + grace + 1 day (8 days 1 h by
# default): the ordinary order-expiry beat closes it. Staff who then "charge again" (having checked
# Bootpay's console) do not charge: the claim finds the order closed and CANCELS the subscription
# (reason order_closed); "book the receipt" of money Bootpay did take is refused and refunded instead.
# Fix: while a period's charge is unknown (or past_due awaiting staff), keep its order payable — e.g.
# _escalate_if_overdue clears/extends the order's expires_at, or order_expire_unpaid skips the orders of
# subscription charges in `unknown`.
def test_staff_charge_again_after_the_orders_expiry_charges_instead_of_cancelling(
    buyer, make_user, fake_bootpay, subscribe
):
    from orders.services import order_expire_unpaid

    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    subscription.refresh_from_db()
    due = subscription.next_charge_at
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=due + timedelta(minutes=1), gateway=fake_bootpay)
    subscriptions_charge_due(now=due + timedelta(hours=2), gateway=fake_bootpay)  # past the grace
    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.next_charge_at is None

    order_expire_unpaid(now=due + timedelta(days=9))  # the ordinary beat, while staff look into it
    charge = subscription_charge_retry(
        subscription_id=subscription.subscription_id,
        actor=staff,
        gateway=fake_bootpay,
        no_charge_confirmed=True,
    )

    subscription.refresh_from_db()
    assert subscription.status == "active", f"charge again ended the subscription ({charge.state})"
    assert charge.state == "paid"


# regression: reserve mode. Period N+1's order is an ordinary pending order of the buyer for a whole period
# before its date; when it is paid by any other path than its reservation (the buyer pays it through the
# normal checkout + payment_verify, a staff booking...), _period_settle overwrites reserve_id ("a
# reservation is always for this period: consumed") WITHOUT revoking that reservation at Bootpay. It stays
# pending, unknown to us (no sweep or cancel can reach it), and at its date Bootpay charges the card a
# second time for the same order (the money core then refunds it: charge + refund on the buyer's card;
# and it counts against the 10 pending reservations per key).
# Fix: when a period is settled by something other than its reservation, revoke the reservation
# (`_reservation_revoke`-like, after commit) before forgetting its reserve_id; or refuse payment_verify
# on a period order that is reserved at Bootpay.
def test_a_reserved_period_paid_otherwise_leaves_no_reservation_pending_at_bootpay(
    buyer, bootpay, subscribable, settings, on_commit_now
):
    from payments.services import payment_verify, subscription_create

    settings.BILLING_MODE = "reserve"
    key, _ = _emulator_key(buyer, bootpay)
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
