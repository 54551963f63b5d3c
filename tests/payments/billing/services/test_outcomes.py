"""A charge sent to Bootpay whose answer we do not have stays open (`sending`/`unknown`, with its event)
whatever happens to its order or subscription, until a receipt of *that* attempt settles it: booked, or
refunded at once when the period is no longer wanted (docs/billing.md, "Open outcomes"); migration 0010
reopened the ones an earlier version had closed. Over the in-memory Bootpay, and a few over HTTP with
the emulator at the end; the same interleavings with the emulator's faults are in
tests/payments/sandbox/test_billing_open_outcomes_emulated.py, the answer/webhook/cancel race in
test_charge_races.py."""

import functools
import importlib
import json
from datetime import timedelta

import pytest
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.services import order_cancel_unpaid
from payments.billing.models import SubscriptionCharge
from payments.billing.services import (
    subscription_cancel,
    subscription_charge_book_receipt,
    subscription_charge_open_list,
    subscription_charge_period,
    subscription_charge_retry,
    subscription_charges_mark_lost,
    subscriptions_charge_due,
)
from payments.gateway import GatewayError, GatewayUnavailable
from payments.models import Payment
from payments.services import payment_verify
from payments.statements.reconcile import statement_reconcile
from payments.webhooks import webhook_process, webhook_receive
from tests.billing_support import emulator_billing_key, emulator_webhook_paid

migration_0010 = importlib.import_module("payments.migrations.0010_charge_open_outcomes")


@functools.cache
def _apps_at_0010():
    """The models as 0010 saw them: the charges were the core's then (billing/0001 moved them)."""
    return MigrationLoader(None).project_state(("payments", "0010_charge_open_outcomes")).apps


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit_hooks_now(on_commit_now):
    """Single-threaded: the after-commit steps (a refused receipt settling its charge) run at once."""


def _due(subscription):
    subscription.refresh_from_db()
    return subscription.next_charge_at + timedelta(minutes=1)


def _charge(subscription, period=2) -> SubscriptionCharge:
    return SubscriptionCharge.objects.select_related("order").get(subscription=subscription, period=period)


def _kinds(subscription) -> list[str]:
    return list(subscription.events.order_by("pk").values_list("kind", flat=True))


def _receipts_of(fake_bootpay, charge) -> list[dict]:
    return [r for r in fake_bootpay.receipts.values() if r["order_id"] == charge.order.order_id]


def _receipt_of(fake_bootpay, charge) -> dict:
    [receipt] = _receipts_of(fake_bootpay, charge)
    return receipt


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


def _money_at_bootpay_equals_books(receipt: dict) -> None:
    """What Bootpay keeps of the receipt is what our books keep of it."""
    payment = Payment.objects.get(receipt_id=receipt["receipt_id"])
    assert receipt["price"] - receipt["cancelled_price"] == payment.amount - payment.cancelled_amount


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


def test_the_buyer_closing_the_period_order_leaves_the_unknown_charge_open_until_its_receipt_refunds_it(
    buyer, fake_bootpay, subscribe
):
    subscription = subscribe(buyer)
    charge = _lost_renewal(fake_bootpay, subscription)

    order_cancel_unpaid(order_pk=charge.order_id, actor=buyer)

    charge.refresh_from_db()
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert charge.state == "unknown" and "outcome_unknown" in _kinds(subscription)
    assert list(subscription_charge_open_list()) == [charge]

    receipt = _receipt_of(fake_bootpay, charge)
    _deliver_webhook(receipt)

    charge.refresh_from_db()
    assert charge.state == "cancelled"
    assert receipt["cancelled_price"] == receipt["price"]  # refunded at once: the period is not wanted
    _money_at_bootpay_equals_books(receipt)
    assert _kinds(subscription)[-1] == "charge_refunded"
    assert list(subscription_charge_open_list()) == []


def test_the_buyer_cancelling_the_subscription_keeps_the_unknown_charge_open_and_a_late_receipt_is_refunded(
    buyer, fake_bootpay, subscribe, register_key
):
    key = register_key(buyer)
    subscription, other = subscribe(buyer, key=key), subscribe(buyer, key=key)  # the card stays alive
    charge = _lost_renewal(fake_bootpay, subscription)

    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)

    charge.refresh_from_db()
    assert charge.state == "unknown"
    assert charge.order.status == "cancelled"  # closed: a late receipt is refunded, not booked
    receipt = _receipt_of(fake_bootpay, charge)
    _deliver_webhook(receipt)
    _deliver_webhook(receipt)  # Bootpay repeats itself

    charge.refresh_from_db()
    assert charge.state == "cancelled"
    assert receipt["cancelled_price"] == receipt["price"]
    assert _kinds(subscription).count("charge_refunded") == 1
    other.refresh_from_db()
    assert other.status == "active"


def test_staff_cancelling_a_past_due_subscription_keeps_its_unknown_charge_open(
    buyer, make_user, fake_bootpay, subscribe, settings
):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    later = _due(subscription) + settings.BILLING_UNKNOWN_GRACE + timedelta(minutes=1)
    charge = _lost_renewal(fake_bootpay, subscription)
    subscriptions_charge_due(now=later, gateway=fake_bootpay)
    subscription.refresh_from_db()
    assert subscription.status == "past_due"

    subscription_cancel(subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay)

    charge.refresh_from_db()
    assert charge.state == "unknown"
    # Staff find it and book the receipt Bootpay's console shows: it meets the closed order, refunded.
    receipt = _receipt_of(fake_bootpay, charge)
    with pytest.raises(DomainError) as refused:
        subscription_charge_book_receipt(
            subscription_id=subscription.subscription_id,
            receipt_id=receipt["receipt_id"],
            actor=staff,
            gateway=fake_bootpay,
        )
    assert refused.value.code == ErrorCode.ORDER_NOT_PAYABLE
    charge.refresh_from_db()
    assert charge.state == "cancelled" and receipt["cancelled_price"] == receipt["price"]


def test_an_answer_that_arrives_after_the_cancel_settles_the_charge_it_was_sending(
    buyer, fake_bootpay, subscribe
):
    """The cancel lands while the charge is at Bootpay: the charge stays `sending`, then its timeout
    makes it `unknown` (with its event), never `cancelled` without a trace."""
    subscription = subscribe(buyer)
    due = _due(subscription)
    sending = []
    charge_at_bootpay = fake_bootpay.charge_billing_key

    def charged_then_cancelled_then_lost(**call):
        charge_at_bootpay(**call)  # Bootpay charges; while its answer travels, the buyer cancels
        sending.append(_charge(subscription).state)
        subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)
        raise GatewayUnavailable("read timed out")

    fake_bootpay.charge_billing_key = charged_then_cancelled_then_lost
    subscriptions_charge_due(now=due, gateway=fake_bootpay)

    charge = _charge(subscription)
    kinds = _kinds(subscription)
    assert sending == ["sending"]
    assert charge.state == "unknown"
    assert kinds[-1] == "outcome_unknown" and "cancelled" in kinds
    _deliver_webhook(_receipt_of(fake_bootpay, charge))
    charge.refresh_from_db()
    assert charge.state == "cancelled" and _receipt_of(fake_bootpay, charge)["cancelled_price"] == 9_900


def test_a_sender_that_died_on_a_cancelled_subscription_leaves_an_unknown_charge(
    buyer, fake_bootpay, subscribe
):
    subscription = subscribe(buyer)
    due = _due(subscription)
    # The sender claims the charge (committed), then dies before Bootpay answers: no answer recorded.
    charge_billing_key = fake_bootpay.charge_billing_key
    fake_bootpay.charge_billing_key = lambda **kw: (_ for _ in ()).throw(SystemExit)
    with pytest.raises(SystemExit):
        subscription_charge_period(subscription_pk=subscription.pk, now=due, gateway=fake_bootpay)
    fake_bootpay.charge_billing_key = charge_billing_key
    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)
    charge = _charge(subscription)
    assert charge.state == "sending"

    marked = subscription_charges_mark_lost(now=charge.sending_until + timedelta(seconds=1))

    charge.refresh_from_db()
    assert marked == 1 and charge.state == "unknown"
    assert _kinds(subscription)[-1] == "outcome_unknown"


def test_the_statement_reconciliation_reports_each_open_charge(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    charge = _lost_renewal(fake_bootpay, subscription)
    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer, gateway=fake_bootpay)
    day = timezone.localdate(_charge(subscription).sent_at)

    result = statement_reconcile(date_from=day, date_to=day, gateway=fake_bootpay)

    [open_outcome] = [d for d in result.differences if d.kind == "open_outcome"]
    assert open_outcome.theirs == 9_900 and charge.order.order_id in open_outcome.detail
    _deliver_webhook(_receipt_of(fake_bootpay, charge))
    result = statement_reconcile(date_from=day, date_to=day, gateway=fake_bootpay)
    assert [d for d in result.differences if d.kind == "open_outcome"] == []


def test_staff_charge_again_on_an_unknown_charge_needs_the_grace_or_a_confirmation(
    buyer, make_user, fake_bootpay, subscribe, settings
):
    staff = make_user(is_staff=True)
    subscription = subscribe(buyer)
    fake_bootpay.fault("charge_billing_key", "lost")  # the first charge went through
    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)

    with pytest.raises(DomainError) as refused:
        subscription_charge_retry(
            subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay
        )

    assert refused.value.code == ErrorCode.CHARGE_OUTCOME_OPEN
    assert fake_bootpay.charged.count(_charge(subscription).order.order_id) == 1  # not charged twice
    assert _charge(subscription).state == "unknown"
    charge = subscription_charge_retry(
        subscription_id=subscription.subscription_id,
        actor=staff,
        gateway=fake_bootpay,
        no_charge_confirmed=True,
    )
    assert charge.state == "paid"


def test_the_rest_list_filters_subscriptions_with_an_open_outcome_for_staff(
    api_client_for, buyer, make_user, fake_bootpay, subscribe
):
    staff = make_user(is_staff=True)
    open_one, settled = subscribe(buyer), subscribe(buyer)
    _lost_renewal(fake_bootpay, open_one)
    subscription_cancel(subscription_id=open_one.subscription_id, actor=buyer, gateway=fake_bootpay)
    client = api_client_for(staff)

    listed = client.get("/api/v1/subscriptions/", {"open_outcome": "true"}).json()["results"]
    others = client.get("/api/v1/subscriptions/", {"open_outcome": "false"}).json()["results"]

    assert [row["subscription_id"] for row in listed] == [open_one.subscription_id]
    assert listed[0]["status"] == "cancelled" and listed[0]["charges"][-1]["status"] == "unknown"
    assert settled.subscription_id in [row["subscription_id"] for row in others]
    assert client.get("/api/v1/subscriptions/", {"open_outcome": "maybe"}).status_code == 400


# --- Each attempt's own receipt settles it; a receipt refunded at Bootpay settles it too ---------------


def test_a_previous_attempts_late_receipt_does_not_settle_the_retry_that_is_still_open(
    buyer, make_user, fake_bootpay, subscribe, settings
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
    buyer, fake_bootpay, subscribe
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
    buyer, make_user, fake_bootpay, subscribe, settings
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
    buyer, make_user, fake_bootpay, subscribe
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


def test_a_stale_decline_of_attempt_1_does_not_erase_attempt_2(buyer, make_user, fake_bootpay, subscribe):
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


# --- Migration 0010 reopens, as `unknown`, open charges an earlier version turned `cancelled` -------


def test_migration_0010_reopens_a_retry_whose_answer_was_lost_after_an_earlier_decline(
    buyer, make_user, fake_bootpay, subscribe
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

    migration_0010.reopen_lost_outcomes(_apps_at_0010(), None)

    charge.refresh_from_db()
    assert charge.state == "unknown", (
        "0010 left cancelled a retry whose answer was lost: Bootpay holds "
        f"{[r['receipt_id'] for r in _receipts_of(fake_bootpay, charge)]} and nothing shows it"
    )


def test_migration_0010_reopens_a_lost_charge_whose_order_also_has_the_buyers_failed_checkout(
    buyer, fake_bootpay, subscribe
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

    migration_0010.reopen_lost_outcomes(_apps_at_0010(), None)

    charge.refresh_from_db()
    assert charge.state == "unknown", (
        "0010 left cancelled a lost charge because of the buyer's failed checkout"
    )


# --- With the emulator (the SDK over HTTP) -------------------------------------------------------


# A renewal whose answer was lost, then the buyer cancels: the charge's late webhook meets the closed
# period order and is refunded; the cancelled subscription does not advance.
def test_a_late_webhook_of_an_unknown_charge_after_cancel_is_refunded(
    buyer, bootpay, subscribable, on_commit_now
):
    from payments.billing.services import subscription_cancel, subscription_create

    key, _ = emulator_billing_key(buyer, bootpay)
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
    emulator_webhook_paid(late["receipt_id"])

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert subscription.current_period == 1, "a cancelled subscription advanced to a period paid after cancel"
    receipt = bootpay.state.get_receipt(late["receipt_id"])
    assert receipt["cancelled_price"] == receipt["price"]
