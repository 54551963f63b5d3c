"""A charge sent to Bootpay whose answer we do not have stays open (`sending`/`unknown`, with its event)
whatever happens to its order or subscription, until a receipt settles it: booked, or refunded at once
when the period is no longer wanted. Over the in-memory Bootpay; the same interleavings over HTTP with
the emulator's faults are in tests/payments/sandbox/test_billing_open_outcomes_emulated.py."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.services import order_cancel_unpaid
from payments.gateway import GatewayUnavailable
from payments.models import Payment, SubscriptionCharge
from payments.services import (
    statement_reconcile,
    subscription_cancel,
    subscription_charge_book_receipt,
    subscription_charge_period,
    subscription_charge_retry,
    subscriptions_charge_due,
)
from payments.services.billing import subscription_charge_open_list, subscription_charges_mark_lost
from payments.webhooks import webhook_process, webhook_receive

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


def _receipt_of(fake_bootpay, charge) -> dict:
    [receipt] = [r for r in fake_bootpay.receipts.values() if r["order_id"] == charge.order.order_id]
    return receipt


def _deliver_webhook(receipt: dict) -> None:
    body = json.dumps({"receipt_id": receipt["receipt_id"], "webhook_type": "PAYMENT_COMPLETED"}).encode()
    delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
    webhook_process(delivery_pk=delivery.pk)


def _lost_renewal(fake_bootpay, subscription) -> SubscriptionCharge:
    """Period 2 charged at Bootpay, its answer lost: the charge is `unknown`."""
    fake_bootpay.fault("charge_billing_key", "lost")
    subscriptions_charge_due(now=_due(subscription), gateway=fake_bootpay)
    charge = _charge(subscription)
    assert charge.state == "unknown"
    return charge


def _money_at_bootpay_equals_books(receipt: dict) -> None:
    """What Bootpay keeps of the receipt is what our books keep of it."""
    payment = Payment.objects.get(receipt_id=receipt["receipt_id"])
    assert receipt["price"] - receipt["cancelled_price"] == payment.amount - payment.cancelled_amount


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
