"""A subscription's periods: the first charged at subscribe (once, however often the buyer subscribes
again), renewals charged when due by the beat, declines retried on the schedule, unknown outcomes never
sent twice, staff "charge again" only for a period left unknown or declined, booking through the money
core."""

import contextlib
import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem
from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import (
    add_interval,
    period_order_id,
    subscription_charge_book_receipt,
    subscription_charge_retry,
    subscription_create,
    subscriptions_charge_due,
)
from payments.models import Payment, PaymentEvent
from payments.services import payment_bind_receipt, payment_cancel
from payments.services.common import Actor
from payments.webhooks import webhook_process, webhook_receive
from tests.billing_support import emulator_billing_key, emulator_webhook_paid
from tests.db_faults import StatementTimeoutOnce

pytestmark = pytest.mark.django_db


def _kinds(subscription) -> list[str]:
    return list(subscription.events.order_by("pk").values_list("kind", flat=True))


def _due(subscription, **later):
    subscription.refresh_from_db()
    return subscription.next_charge_at + timedelta(minutes=1, **later)


def _charge(subscription, period) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


def test_subscribing_charges_the_first_period_as_an_ordinary_paid_order(buyer, fake_bootpay, subscribable):
    from payments.billing.services import billing_key_register, billing_key_request_start

    product = subscribable(price=9_900, stock=5, interval="month")
    receipt_id = fake_bootpay.issue_key(billing_key_request_start(buyer=buyer).subscription_id)
    key = billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay)
    before = timezone.now()

    subscription = subscription_create(
        buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
    )

    assert subscription.subscription_id.startswith("sub_")
    assert (subscription.status, subscription.current_period, subscription.interval) == ("active", 1, "month")
    assert (subscription.price, subscription.tax_free, subscription.mode) == (9_900, 0, "charge")
    assert before <= subscription.current_period_start <= timezone.now()
    assert subscription.current_period_end == add_interval(subscription.current_period_start, "month")
    assert subscription.next_charge_at == subscription.current_period_end
    charge = _charge(subscription, 1)
    assert charge.order.order_id == period_order_id(subscription.pk, 1)
    assert charge.order.order_id.startswith("ord_") and len(charge.order.order_id) == 28
    assert (charge.state, charge.attempts) == ("paid", 1)
    assert (charge.order.status, charge.order.total_amount) == ("paid", 9_900)
    payment = Payment.objects.get(order=charge.order)
    assert (payment.status, payment.receipt_id, payment.amount) == ("paid", charge.receipt_id, 9_900)
    assert list(payment.events.values_list("kind", flat=True)) == ["verified"]
    item = charge.order.items.get()
    assert (item.quantity, item.unit_price, item.holds_stock, item.status) == (1, 9_900, True, "paid")
    product.refresh_from_db()
    assert product.stock == 4
    assert _kinds(subscription) == ["created", "charged"]
    assert fake_bootpay.charged == [charge.order.order_id]


def test_a_renewal_is_charged_by_the_beat_when_due_and_keeps_the_anchor(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    first_end = subscription.current_period_end

    assert subscriptions_charge_due(now=first_end - timedelta(minutes=1), gateway=fake_bootpay) == {}
    assert subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay) == {"charged": 1}

    subscription.refresh_from_db()
    assert subscription.current_period == 2 and subscription.status == "active"
    assert subscription.current_period_start == first_end
    assert subscription.next_charge_at == add_interval(first_end, "month")
    assert _charge(subscription, 2).order.status == "paid"
    assert len(fake_bootpay.charged) == 2
    assert _kinds(subscription) == ["created", "charged", "charged"]


def test_the_price_is_the_one_fixed_at_subscribe(buyer, fake_bootpay, subscribe, subscribable):
    product = subscribable(price=5_000)
    subscription = subscribe(buyer, product=product)
    product.price = 7_000
    product.save()

    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)

    assert _charge(subscription, 2).order.total_amount == 5_000


def test_a_declined_first_charge_cancels_the_subscription_and_gives_the_unit_back(
    buyer, fake_bootpay, register_key, subscribable
):
    key = register_key(buyer, decline=True)
    product = subscribable(stock=3)

    with pytest.raises(DomainError) as caught:
        subscription_create(
            buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
        )

    assert caught.value.code == ErrorCode.PAYMENT_FAILED
    assert caught.value.details["pg_code"] == "RC_CARD_DECLINED"
    subscription = Subscription.objects.get(subscription_id=caught.value.details["subscription_id"])
    assert subscription.status == "cancelled" and subscription.next_charge_at is None
    assert _kinds(subscription) == ["created", "declined", "cancelled"]
    assert subscription.events.get(kind="cancelled").data == {"reason": "first_charge_declined"}
    charge = _charge(subscription, 1)
    assert charge.state == "declined" and charge.order.status == "cancelled"
    product.refresh_from_db()
    assert product.stock == 3
    key.refresh_from_db()
    assert key.status == "active"  # the buyer may try again with it
    assert fake_bootpay.charged == []


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"interval": ""}, ErrorCode.PRODUCT_NOT_SUBSCRIBABLE),
        ({"stock": 0}, ErrorCode.INSUFFICIENT_STOCK),
        ({"is_active": False}, ErrorCode.PRODUCT_UNAVAILABLE),
    ],
)
def test_subscribing_refusals_create_nothing(buyer, fake_bootpay, register_key, subscribable, options, code):
    key = register_key(buyer)
    product = subscribable(**options)

    with pytest.raises(DomainError) as caught:
        subscription_create(
            buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
        )

    assert caught.value.code == code
    assert not Subscription.objects.exists() and not Order.objects.exists()
    assert "charge_billing_key" not in fake_bootpay.calls


def test_another_buyers_key_cannot_pay_a_subscription(
    buyer, make_user, fake_bootpay, register_key, subscribable
):
    theirs = register_key(make_user())

    with pytest.raises(DomainError) as caught:
        subscription_create(
            buyer=buyer,
            product_id=subscribable().pk,
            billing_key_id=theirs.billing_key_id,
            gateway=fake_bootpay,
        )

    assert caught.value.code == ErrorCode.BILLING_KEY_NOT_FOUND


def test_declines_follow_the_schedule_then_cancel_and_destroy_the_key(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    key = subscription.billing_key
    plain = key.key
    fake_bootpay.decline(plain)

    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    subscription.refresh_from_db()
    charge = _charge(subscription, 2)
    first_decline = charge.first_declined_at
    assert (subscription.status, subscription.retry_count) == ("past_due", 1)
    assert subscription.next_charge_at == first_decline + timedelta(hours=24)

    # Not due yet: nothing is sent.
    sent = fake_bootpay.calls.count("charge_billing_key")
    subscriptions_charge_due(now=first_decline + timedelta(hours=23), gateway=fake_bootpay)
    assert fake_bootpay.calls.count("charge_billing_key") == sent

    for retry, hours in enumerate((24, 72), start=2):
        subscriptions_charge_due(now=first_decline + timedelta(hours=hours, minutes=1), gateway=fake_bootpay)
        subscription.refresh_from_db()
        assert subscription.status == "past_due" and subscription.retry_count == retry
    assert subscription.next_charge_at == first_decline + timedelta(hours=168)

    subscriptions_charge_due(now=first_decline + timedelta(hours=168, minutes=1), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.next_charge_at is None
    assert fake_bootpay.calls.count("charge_billing_key") == 1 + 4
    assert _kinds(subscription) == [
        "created",
        "charged",
        "declined",
        "past_due",
        "retry_scheduled",
        "declined",
        "retry_scheduled",
        "declined",
        "retry_scheduled",
        "declined",
        "cancelled",
        "key_destroyed",
    ]
    assert subscription.events.get(kind="cancelled").data == {"reason": "retries_exhausted"}
    charge.refresh_from_db()
    assert (charge.state, charge.attempts, charge.last_error_code) == ("declined", 4, "RC_CARD_DECLINED")
    assert Order.objects.get(pk=charge.order_id).status == "cancelled"
    key.refresh_from_db()
    assert key.status == "removed" and fake_bootpay.keys[plain]["destroyed"]


def test_a_retry_that_goes_through_makes_the_subscription_active_again(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    fake_bootpay.decline(subscription.billing_key.key)
    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    fake_bootpay.decline(subscription.billing_key.key, False)

    retry_at = _due(subscription)
    subscriptions_charge_due(now=retry_at, gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period, subscription.retry_count) == ("active", 2, 0)
    # Paid after a decline: the period begins when it was paid.
    assert subscription.current_period_start == _charge(subscription, 2).order.paid_at


def test_a_key_gone_at_bootpay_ends_the_subscription_at_once(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    fake_bootpay.keys[subscription.billing_key.key]["destroyed"] = True

    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert subscription.events.get(kind="cancelled").data == {"reason": "billing_key_gone"}
    assert subscription.billing_key.status == "expired"


def test_a_timed_out_charge_is_never_sent_again_and_turns_past_due_after_the_grace(
    buyer, fake_bootpay, subscribe, settings
):
    subscription = subscribe(buyer)
    due = _due(subscription)
    fake_bootpay.fault("charge_billing_key", "timeout")

    subscriptions_charge_due(now=due, gateway=fake_bootpay)
    subscriptions_charge_due(now=due + timedelta(minutes=5), gateway=fake_bootpay)
    subscriptions_charge_due(now=due + timedelta(minutes=10), gateway=fake_bootpay)

    charge = _charge(subscription, 2)
    assert charge.state == "unknown" and charge.attempts == 1
    assert fake_bootpay.calls.count("charge_billing_key") == 2  # period 1, then period 2 once
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.current_period == 1
    assert charge.order.status == "pending_payment"  # it may have been paid: the order stays open

    subscriptions_charge_due(
        now=due + settings.BILLING_UNKNOWN_GRACE + timedelta(minutes=1), gateway=fake_bootpay
    )

    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.next_charge_at is None
    assert subscription.events.filter(kind="past_due").get().data == {
        "period": 2,
        "reason": "outcome_unknown",
    }
    assert subscription.events.filter(kind="outcome_unknown").count() == 1
    assert fake_bootpay.calls.count("charge_billing_key") == 2
    assert subscriptions_charge_due(now=due + timedelta(days=3), gateway=fake_bootpay) == {}


def test_an_unknown_first_charge_leaves_the_subscription_active_and_says_so(
    buyer, fake_bootpay, register_key, subscribable
):
    key = register_key(buyer)
    fake_bootpay.fault("charge_billing_key", "timeout")

    with pytest.raises(DomainError) as caught:
        subscription_create(
            buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
        )

    assert caught.value.code == ErrorCode.GATEWAY_UNAVAILABLE
    subscription = Subscription.objects.get(subscription_id=caught.value.details["subscription_id"])
    assert subscription.status == "active" and subscription.current_period == 0
    assert _charge(subscription, 1).state == "unknown"


def test_a_lost_answer_charges_once_and_the_webhook_books_it_and_advances(
    buyer, fake_bootpay, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(buyer)
    due = _due(subscription)
    fake_bootpay.fault("charge_billing_key", "lost")

    subscriptions_charge_due(now=due, gateway=fake_bootpay)
    subscriptions_charge_due(now=due + timedelta(minutes=5), gateway=fake_bootpay)

    charge = _charge(subscription, 2)
    assert charge.state == "unknown"
    assert fake_bootpay.charged.count(charge.order.order_id) == 1  # applied once at Bootpay, never re-sent
    (receipt_id,) = [
        r for r, data in fake_bootpay.receipts.items() if data["order_id"] == charge.order.order_id
    ]

    # Bootpay's notification of the recurring charge, through the ordinary webhook path.
    body = f'{{"receipt_id": "{receipt_id}", "webhook_type": "PAYMENT_COMPLETED", "status": 1}}'.encode()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        processed = webhook_process(delivery_pk=delivery.pk)
    assert processed.state == "processed"

    charge.refresh_from_db()
    subscription.refresh_from_db()
    assert (charge.state, charge.receipt_id) == ("paid", receipt_id)
    assert subscription.current_period == 2 and subscription.status == "active"
    assert Payment.objects.filter(order=charge.order).count() == 1

    # The same receipt booked again (a retried delivery, staff, reconcile): nothing changes.
    receipt = fake_bootpay.lookup_receipt(receipt_id)
    with django_capture_on_commit_callbacks(execute=True):
        payment_bind_receipt(order_pk=charge.order_id, receipt=receipt, actor=Actor(label="webhook"))
    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert Payment.objects.filter(order=charge.order).count() == 1
    assert PaymentEvent.objects.filter(payment__order=charge.order, to_status="paid").count() == 1
    assert subscription.events.filter(kind="charged").count() == 2
    assert fake_bootpay.calls.count("charge_billing_key") == 2


def test_a_booking_whose_hook_was_lost_is_advanced_by_the_next_beat(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    due = _due(subscription)
    fake_bootpay.fault("charge_billing_key", "lost")
    subscriptions_charge_due(now=due, gateway=fake_bootpay)
    charge = _charge(subscription, 2)
    (receipt_id,) = [
        r for r, data in fake_bootpay.receipts.items() if data["order_id"] == charge.order.order_id
    ]

    # Booked, but the after-commit advance never ran (this test's transaction never commits).
    payment_bind_receipt(
        order_pk=charge.order_id,
        receipt=fake_bootpay.lookup_receipt(receipt_id),
        actor=Actor(label="webhook"),
    )
    subscriptions_charge_due(now=due + timedelta(minutes=5), gateway=fake_bootpay)

    subscription.refresh_from_db()
    assert subscription.current_period == 2 and _charge(subscription, 2).state == "paid"
    assert fake_bootpay.calls.count("charge_billing_key") == 2


def test_staff_settle_an_unknown_outcome_by_charging_again_or_booking_the_receipt(
    buyer, make_user, fake_bootpay, subscribe, settings
):
    staff = make_user(is_staff=True)
    first, second = subscribe(buyer), subscribe(buyer)
    for subscription in (first, second):
        fake_bootpay.fault("charge_billing_key", "timeout")
        subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    fake_bootpay.fault("charge_billing_key", "lost")  # make `second`'s money real at Bootpay
    with pytest.raises(DomainError):
        subscription_charge_retry(subscription_id=first.subscription_id, actor=buyer, gateway=fake_bootpay)

    charge = subscription_charge_retry(
        subscription_id=first.subscription_id, actor=staff, gateway=fake_bootpay, no_charge_confirmed=True
    )
    assert charge.state == "unknown"  # the "lost" answer: still not known
    charge = _charge(first, 2)
    (receipt_id,) = [
        r for r, data in fake_bootpay.receipts.items() if data["order_id"] == charge.order.order_id
    ]
    booked = subscription_charge_book_receipt(
        subscription_id=first.subscription_id, receipt_id=receipt_id, actor=staff, gateway=fake_bootpay
    )
    assert booked.state == "paid"
    first.refresh_from_db()
    assert first.current_period == 2
    assert first.events.filter(kind="staff_action").count() == 2

    again = subscription_charge_retry(
        subscription_id=second.subscription_id, actor=staff, gateway=fake_bootpay, no_charge_confirmed=True
    )
    assert again.state == "paid"


def test_a_subscription_charge_is_refunded_through_the_ordinary_cancel(
    buyer, make_user, fake_bootpay, subscribe
):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer, stock=2)
    payment = Payment.objects.get(order=_charge(subscription, 1).order)

    cancellation = payment_cancel(
        payment_pk=payment.pk, actor=staff, reason="환불 요청", gateway=fake_bootpay
    )

    assert cancellation.state == "succeeded" and cancellation.amount == payment.amount
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert Order.objects.get(pk=payment.order_id).status == "refunded"
    assert subscription.product.__class__.objects.get(pk=subscription.product_id).stock == 2
    subscription.refresh_from_db()
    assert subscription.status == "active"  # a refund gives money back; it does not end the subscription


def test_a_renewal_out_of_stock_still_charges_and_takes_no_unit(buyer, make_user, fake_bootpay, subscribe):
    subscription = subscribe(buyer, stock=1)
    product = subscription.product

    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)

    charge = _charge(subscription, 2)
    assert charge.state == "paid"
    item = charge.order.items.get()
    assert item.holds_stock is False and item.status == "paid"
    product.refresh_from_db()
    assert product.stock == 0
    payment = Payment.objects.get(order=charge.order)
    payment_cancel(
        payment_pk=payment.pk, actor=make_user(is_staff=True), reason="refund", gateway=fake_bootpay
    )
    product.refresh_from_db()
    assert product.stock == 0  # it gives back no unit it never took
    assert OrderItem.objects.get(pk=item.pk).status == "refunded"


def test_no_billing_key_in_any_log_record(buyer, fake_bootpay, subscribe, caplog):
    caplog.set_level(logging.DEBUG)
    subscription = subscribe(buyer)
    plain = subscription.billing_key.key
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    fake_bootpay.decline(plain)
    from payments.billing.services import subscription_cancel

    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)

    assert caplog.records
    for record in caplog.records:
        assert plain not in f"{record.getMessage()} {record.__dict__}"
    assert plain not in repr(subscription.billing_key)
    assert not any(plain in str(event.data) for event in subscription.events.all())


def test_a_buyer_who_cancels_a_periods_order_gives_the_subscription_up(buyer, fake_bootpay, subscribe):
    from orders.services import order_cancel_unpaid

    subscription = subscribe(buyer)
    fake_bootpay.decline(subscription.billing_key.key)
    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    retry_due = _due(subscription)
    order_cancel_unpaid(order_pk=_charge(subscription, 2).order_id, actor=buyer)  # ends it at once

    subscriptions_charge_due(now=retry_due, gateway=fake_bootpay)  # nothing left to charge

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert subscription.events.filter(kind="cancelled").get().data == {"reason": "order_closed"}
    assert _charge(subscription, 2).state == "cancelled"
    assert fake_bootpay.calls.count("charge_billing_key") == 2


def test_the_beat_tasks_run_the_billing_services(buyer, fake_bootpay, subscribe, settings):
    from payments.billing.tasks import charge_due_subscriptions, settle_subscription_reservations

    subscription = subscribe(buyer)
    Subscription.objects.filter(pk=subscription.pk).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )

    # Enqueued, and (inline: no broker) charged by its task with the process-wide gateway: the fake.
    assert charge_due_subscriptions.delay().get() == 1
    assert charge_due_subscriptions.delay().get() == 0  # charged: no longer due, nothing enqueued
    assert settle_subscription_reservations.delay().get() == {}

    subscription.refresh_from_db()
    assert subscription.current_period == 2
    assert set(settings.CELERY_BEAT_SCHEDULE) >= {
        "charge-due-subscriptions",
        "settle-subscription-reservations",
    }


@pytest.mark.postgres_only
def test_a_database_error_on_one_subscription_neither_stops_the_beat_nor_breaks_the_callers_transaction(
    buyer, fake_bootpay, subscribe
):
    # given two renewals due, charged by a beat run inside a caller's transaction (a test's, a shell's),
    # and a database that cancels the first one's read of its charge before booking it (a
    # statement_timeout), a statement outside the services' own atomic blocks
    first, second = subscribe(buyer), subscribe(buyer)
    now = max(_due(first), _due(second))

    # when the beat runs
    fault = StatementTimeoutOnce("payments_subscriptioncharge", within="_charge_book")
    with connection.execute_wrapper(fault):
        handled = subscriptions_charge_due(now=now, gateway=fake_bootpay)

    # then the other renewal is charged and booked, and the caller's transaction goes on
    assert fault.fired and handled == {"charged": 1, "error": 1}
    assert (_charge(second, 2).state, _charge(second, 2).order.status) == ("paid", "paid")
    assert not SubscriptionCharge.objects.filter(subscription=first, period=2, state="paid").exists()


# --- Staff "charge again", and subscribing again after an unanswered first charge -------------------


# Staff "charge again" settles only a period whose charge is `unknown` or `declined`: on a paid-up
# subscription it charges nothing and never moves next_charge_at forward.
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


# Two "charge again" clicks (a stale page, a double click) on an unknown charge that took no money
# charge that period once and nothing after it.
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


# An unknown outcome past the grace waits for staff with its period's order kept payable: the order
# expiry beat leaves it open, so "charge again" then charges rather than ending the subscription.
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


# The first charge's answer lost (503 gateway_unavailable, Bootpay charged): subscribing again does not
# charge the card a second time nor make a second live subscription of the same product.
def test_subscribing_again_after_an_unanswered_first_charge_does_not_charge_twice(
    buyer, bootpay, subscribable, on_commit_now
):
    from payments.billing.services import subscription_create

    key, _ = emulator_billing_key(buyer, bootpay)
    product = subscribable()
    bootpay.state.add_fault("subscribe/payment", "lost_answer", times=1)
    with pytest.raises(DomainError) as first:
        subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
    assert first.value.code == "gateway_unavailable"

    with contextlib.suppress(DomainError):  # the browser shows the 503; the buyer subscribes again
        subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
    for subscription in Subscription.objects.filter(buyer=buyer):  # the first charge's webhook arrives
        for receipt in bootpay.state.list_receipts(_charge(subscription, 1).order.order_id):
            emulator_webhook_paid(receipt["receipt_id"])

    kept = [
        receipt
        for receipt in bootpay.state.list_receipts()
        if receipt["status"] == 1 and receipt["cancelled_price"] == 0 and receipt["price"] > 0
    ]
    assert len(kept) == 1, f"the buyer was charged {len(kept)} times for one subscription"
    assert Subscription.objects.filter(buyer=buyer, status__in=("active", "past_due")).count() == 1
