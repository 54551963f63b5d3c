"""Adversarial probes of the open-outcome rules (docs/billing.md, "Open outcomes", "Declines and the
retry schedule", "Cancelling"): money Bootpay may hold for a period's charge is either booked or shown
as an open outcome (`sending`/`unknown`) until a receipt of *that* charge (or staff) settles it.

Each test states the sequence it plays; the ones that fail are defects of the change (see the report
of the review that added them)."""

import importlib
import json
import threading
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.gateway import GatewayError, GatewayUnavailable
from payments.models import Payment, SubscriptionCharge
from payments.services import (
    payment_verify,
    subscription_cancel,
    subscription_charge_book_receipt,
    subscription_charge_retry,
    subscriptions_charge_due,
)
from payments.services.billing import subscription_charges_mark_lost
from payments.webhooks import webhook_process, webhook_receive
from tests.concurrency import run_at_once

migration_0010 = importlib.import_module("payments.migrations.0010_charge_open_outcomes")


def _due(subscription):
    subscription.refresh_from_db()
    return subscription.next_charge_at + timedelta(minutes=1)


def _charge(subscription, period=2) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


def _kinds(subscription) -> list[str]:
    return list(subscription.events.order_by("pk").values_list("kind", flat=True))


def _receipts_of(fake_bootpay, charge) -> list[dict]:
    return [r for r in fake_bootpay.receipts.values() if r["order_id"] == charge.order.order_id]


def _deliver_webhook(receipt: dict) -> None:
    body = json.dumps({"receipt_id": receipt["receipt_id"], "webhook_type": "PAYMENT_COMPLETED"}).encode()
    delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
    webhook_process(delivery_pk=delivery.pk)


def _lost_renewal(fake_bootpay, subscription, *, now=None) -> SubscriptionCharge:
    """Period 2 charged at Bootpay, its answer lost: the charge is `unknown`."""
    fake_bootpay.fault("charge_billing_key", "lost")
    subscriptions_charge_due(now=now or _due(subscription), gateway=fake_bootpay)
    charge = _charge(subscription)
    assert charge.state == "unknown"
    return charge


def _held_unbooked_and_invisible(fake_bootpay, charge) -> list[str]:
    """Receipts of the charge's order that hold money at Bootpay while our books have no payment for
    them, and the charge is not shown as an open outcome."""
    charge.refresh_from_db()
    if charge.state in SubscriptionCharge.OPEN_STATES:
        return []
    return [
        r["receipt_id"]
        for r in _receipts_of(fake_bootpay, charge)
        if r["price"] - r["cancelled_price"] > 0
        and not Payment.objects.filter(receipt_id=r["receipt_id"]).exists()
    ]


def _as_before_0010(charge: SubscriptionCharge) -> None:
    """The row as an earlier version left it: a cancel turned the open charge `cancelled` (no sent_at)."""
    SubscriptionCharge.objects.filter(pk=charge.pk).update(
        state="cancelled", sending_until=None, sent_at=None
    )


# --- single-threaded probes (after-commit steps run at once) ---------------------------------------


@pytest.mark.django_db
class TestSequential:
    @pytest.fixture(autouse=True)
    def _commit_hooks_now(self, on_commit_now):
        pass

    def test_migration_0010_reopens_a_retry_whose_answer_was_lost_after_an_earlier_decline(
        self, buyer, make_user, fake_bootpay, subscribe
    ):
        """Past due after a decline; the retry is sent and its answer lost (`unknown`, Bootpay charged);
        staff cancel the past-due subscription — the issue's own case — and the earlier version turned
        the charge `cancelled`. The charge still carries the *first* decline's code (sending and
        `_mark_unknown` never clear `last_error_code`), so 0010's `last_error_code=""` test skips it."""
        staff = make_user(is_staff=True)
        subscription = subscribe(buyer)
        fake_bootpay.decline(subscription.billing_key.key)
        subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
        subscription.refresh_from_db()
        assert (subscription.status, subscription.retry_count) == ("past_due", 1)
        fake_bootpay.decline(subscription.billing_key.key, False)
        charge = _lost_renewal(fake_bootpay, subscription, now=_due(subscription))
        assert charge.last_error_code == "RC_CARD_DECLINED" and charge.attempts == 2
        subscription_cancel(subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay)
        _as_before_0010(charge)

        migration_0010.reopen_lost_outcomes(django_apps, None)

        charge.refresh_from_db()
        assert charge.state == "unknown", (
            "0010 left cancelled a retry whose answer was lost: Bootpay holds "
            f"{[r['receipt_id'] for r in _receipts_of(fake_bootpay, charge)]} and nothing shows it"
        )

    def test_migration_0010_reopens_a_lost_charge_whose_order_also_has_the_buyers_failed_checkout(
        self, buyer, fake_bootpay, subscribe
    ):
        """The renewal's answer is lost; the buyer, seeing the period unpaid, tries the checkout and the
        card is refused (a `failed` payment on the period's order); then the subscription is cancelled
        (the earlier version: charge `cancelled`). 0010 skips every order with *any* payment, so the
        buyer's failed attempt hides the lost charge."""
        subscription = subscribe(buyer)
        charge = _lost_renewal(fake_bootpay, subscription)
        receipt_id = fake_bootpay.pay_receipt(order_id=charge.order.order_id, price=charge.order.total_amount)
        fake_bootpay.receipts[receipt_id].update(status=-1, method_symbol="card", purchased_at=None)
        with pytest.raises(DomainError) as refused:
            payment_verify(order_id=charge.order.order_id, receipt_id=receipt_id, actor=buyer)
        assert refused.value.code == ErrorCode.PAYMENT_FAILED
        subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)
        _as_before_0010(charge)

        migration_0010.reopen_lost_outcomes(django_apps, None)

        charge.refresh_from_db()
        assert charge.state == "unknown", (
            "0010 left cancelled a lost charge because of the buyer's failed checkout"
        )

    def test_a_previous_attempts_late_receipt_does_not_settle_the_retry_that_is_still_open(
        self, buyer, make_user, fake_bootpay, subscribe, settings
    ):
        """Attempt 1 lost (Bootpay charged: R1). Past the grace staff charge again (allowed without a
        confirmation); attempt 2 is lost too (R2). The buyer cancels. R1's webhook meets the closed
        order and is refunded: `_after_payment_refused` finds "the" open charge of the order and
        `_charge_refunded` settles it — but R1 belongs to attempt 1; attempt 2's R2 is still at Bootpay,
        unbooked, and the charge is no longer listed."""
        staff = make_user(is_staff=True)
        subscription = subscribe(buyer)
        charge = _lost_renewal(fake_bootpay, subscription)
        [r1] = _receipts_of(fake_bootpay, charge)
        an_hour_ago = timezone.now() - settings.BILLING_UNKNOWN_GRACE - timedelta(minutes=5)
        SubscriptionCharge.objects.filter(pk=charge.pk).update(sent_at=an_hour_ago)
        r1["purchased_at"] = r1["requested_at"] = an_hour_ago.isoformat()  # Bootpay charged back then
        fake_bootpay.fault("charge_billing_key", "lost")
        charge = subscription_charge_retry(
            subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay
        )
        assert charge.state == "unknown" and charge.attempts == 2
        subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)

        _deliver_webhook(r1)  # attempt 1's late notice

        assert r1["cancelled_price"] == r1["price"]  # refunded: fine
        assert _held_unbooked_and_invisible(fake_bootpay, charge) == [], (
            f"attempt 1's receipt settled the charge ({charge.state}, events {_kinds(subscription)[-3:]}) "
            "while attempt 2's money is at Bootpay, unbooked and not listed"
        )

    def test_the_buyer_paying_the_period_another_way_keeps_the_lost_charge_visible(
        self, buyer, fake_bootpay, subscribe
    ):
        """The renewal's answer is lost (Bootpay charged: R). The buyer pays the same period through the
        checkout (its own card). `_period_settle` marks the `unknown` charge `paid` with the checkout's
        receipt: the charge left `unknown` without its own receipt, so R is held, unbooked, unlisted."""
        subscription = subscribe(buyer)
        charge = _lost_renewal(fake_bootpay, subscription)
        receipt_id = fake_bootpay.pay_receipt(order_id=charge.order.order_id, price=charge.order.total_amount)
        fake_bootpay.receipts[receipt_id]["method_symbol"] = "card"

        payment_verify(order_id=charge.order.order_id, receipt_id=receipt_id, actor=buyer)

        assert _held_unbooked_and_invisible(fake_bootpay, charge) == [], (
            f"the lost renewal's money is at Bootpay, unbooked, while the charge reads {charge.state!r}"
        )

    def test_charge_again_right_after_a_lost_reservation_call_waits_for_the_period(
        self, buyer, make_user, fake_bootpay, subscribe, settings
    ):
        """Reserved mode: the reservation call for period 2 is lost (a reservation may exist, to run at
        the period's date, a month away). An hour later staff "charge again" without confirming: the
        grace counts from `sent_at` (the reservation call), so the period is charged now, a month early,
        and the reservation may still run at its date (a second charge)."""
        settings.BILLING_MODE = "reserve"
        staff = make_user(is_staff=True)
        fake_bootpay.fault("reserve_charge", "lost")
        subscription = subscribe(buyer)
        charge = _charge(subscription)
        assert charge.state == "unknown" and len(fake_bootpay.reservations) == 1
        SubscriptionCharge.objects.filter(pk=charge.pk).update(
            sent_at=timezone.now() - settings.BILLING_UNKNOWN_GRACE - timedelta(minutes=5)
        )
        subscription.refresh_from_db()
        assert subscription.next_charge_at > timezone.now() + timedelta(days=25)

        try:
            subscription_charge_retry(
                subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay
            )
        except DomainError as exc:
            assert exc.code in (ErrorCode.CHARGE_OUTCOME_OPEN, ErrorCode.SUBSCRIPTION_NOTHING_TO_RETRY)
        assert charge.order.order_id not in fake_bootpay.charged, (
            "period 2 charged a month early while its lost reservation may still run at its date"
        )

    def test_a_receipt_refunded_at_bootpay_before_its_webhook_still_settles_the_open_charge(
        self, buyer, make_user, fake_bootpay, subscribe
    ):
        """Lost renewal; the buyer cancels. Staff find the charge in Bootpay's console and refund it there
        (the subscription is cancelled). The receipt then reaches us cancelled: the money core records
        it `failed` with payment_failed, which `on_payment_refused` ignores — and staff's "book the
        receipt" raises payment_failed too. The outcome is known (no money held), yet the charge stays
        `unknown` forever and no path can settle it."""
        staff = make_user(is_staff=True)
        subscription = subscribe(buyer)
        charge = _lost_renewal(fake_bootpay, subscription)
        subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)
        [receipt] = _receipts_of(fake_bootpay, charge)
        fake_bootpay.cancel(receipt_id=receipt["receipt_id"], cancel_id="console-1", reason="staff, console")

        _deliver_webhook(receipt)
        with pytest.raises(DomainError):
            subscription_charge_book_receipt(
                subscription_id=subscription.subscription_id,
                receipt_id=receipt["receipt_id"],
                actor=staff,
                gateway=fake_bootpay,
            )

        charge.refresh_from_db()
        assert charge.state not in SubscriptionCharge.OPEN_STATES, (
            "its receipt (refunded at Bootpay) reached us twice and the charge is still open: "
            f"{charge.state}, events {_kinds(subscription)[-3:]}"
        )

    def test_a_stale_decline_of_attempt_1_does_not_erase_attempt_2(
        self, buyer, make_user, fake_bootpay, subscribe
    ):
        """Attempt 1's sender stalls past its lease (the beat marks it `unknown`); staff, having seen no
        charge in the console, charge again: attempt 2's answer is lost (Bootpay charged: R2). Then
        attempt 1's sender wakes up with a decline: `_charge_declined` accepts an `unknown` charge and
        records `declined` — erasing attempt 2's open outcome with an answer that is not its own."""
        staff = make_user(is_staff=True)
        subscription = subscribe(buyer)
        due = _due(subscription)
        charge_at_bootpay = fake_bootpay.charge_billing_key
        calls = []

        def stalls_then_declines(**call):
            calls.append(call["order_id"])
            if len(calls) == 2:  # attempt 2 (staff): charged, answer lost
                charge_at_bootpay(**call)
                raise GatewayUnavailable("read timed out")
            # attempt 1: while it hangs, its lease runs out and staff charge again
            charge = _charge(subscription)
            assert subscription_charges_mark_lost(now=charge.sending_until + timedelta(seconds=1)) == 1
            retried = subscription_charge_retry(
                subscription_id=subscription.subscription_id,
                actor=staff,
                gateway=fake_bootpay,
                no_charge_confirmed=True,
            )
            assert retried.state == "unknown" and retried.attempts == 2
            raise GatewayError("RC_CARD_DECLINED", "카드 승인 거절")  # attempt 1's own, stale answer

        fake_bootpay.charge_billing_key = stalls_then_declines
        subscriptions_charge_due(now=due, gateway=fake_bootpay)

        charge = _charge(subscription)
        assert len(calls) == 2
        assert charge.state in SubscriptionCharge.OPEN_STATES, (
            f"attempt 2 is at Bootpay (charged, unanswered) but the charge reads {charge.state!r} "
            f"after attempt 1's stale decline; events {_kinds(subscription)[-3:]}"
        )


# --- PostgreSQL race: the charge's own answer, its webhook and a cancel at once ---------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_answer_webhook_and_cancel_at_once_book_or_refund_once_and_settle_the_charge(
    round_, buyer, fake_bootpay, subscribe, register_key
):
    """Bootpay charged period 2; its answer to the sender, its webhook and the buyer's cancel land at
    the same instant. Whatever the order: no deadlock, the receipt is booked (and the period paid) or
    refunded exactly once, the charge is settled (no open outcome left), and nothing counts as a
    decline."""
    key = register_key(buyer)
    subscription, _other = subscribe(buyer, key=key), subscribe(buyer, key=key)  # the card stays alive
    due = _due(subscription)
    charge_at_bootpay = fake_bootpay.charge_billing_key
    charged, release = [], threading.Event()

    def answer_held_back(**call):
        receipt = charge_at_bootpay(**call)
        charged.append(receipt)
        assert release.wait(30)
        return receipt

    fake_bootpay.charge_billing_key = answer_held_back

    def sender():
        try:
            subscriptions_charge_due(now=due, gateway=fake_bootpay)
        finally:
            connections.close_all()

    thread = threading.Thread(target=sender)
    thread.start()
    for _ in range(300):
        if charged:
            break
        threading.Event().wait(0.05)
    assert charged, "the sender never reached Bootpay"
    receipt = fake_bootpay.receipts[charged[0].receipt_id]

    def the_answer():
        release.set()
        thread.join(30)

    def the_webhook():
        _deliver_webhook(receipt)

    def the_cancel():
        return subscription_cancel(
            subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay
        )

    _results, refusals = run_at_once(the_answer, the_webhook, the_cancel)

    assert not thread.is_alive()
    assert set(refusals) <= {ErrorCode.ORDER_NOT_PAYABLE}
    charge = _charge(subscription)
    payment = Payment.objects.get(receipt_id=receipt["receipt_id"])
    kept_at_bootpay = receipt["price"] - receipt["cancelled_price"]
    assert kept_at_bootpay == payment.amount - payment.cancelled_amount
    assert charge.state in ("paid", "cancelled"), charge.state
    if charge.state == "paid":
        assert payment.status == "paid" and kept_at_bootpay == receipt["price"]
    else:
        assert payment.status == "failed" and kept_at_bootpay == 0
        assert _kinds(subscription).count("charge_refunded") == 1
    assert "declined" not in _kinds(subscription)
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
