"""The outbox (payments/events/): every money fact is one event, written in the transaction that makes
it, once however often the fact is seen, in the order it happened to its order or subscription."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from payments.events.models import Event
from payments.services import payment_cancel, payment_reconcile, payment_verify
from tests.billing_support import emulator_billing_key, emulator_webhook_paid

pytestmark = pytest.mark.django_db(transaction=True)


def _types(aggregate: str) -> list[str]:
    return list(Event.objects.filter(aggregate=aggregate).order_by("pk").values_list("type", flat=True))


def test_a_card_payment_is_one_order_paid_event_with_the_order_and_payment_snapshots(
    buyer, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(10_000, 5_000))
    receipt_id = pay_at_pg(order)
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)  # the browser retries
    emulator_webhook_paid(receipt_id)  # and Bootpay's notice arrives

    assert _types(f"order:{order.order_id}") == ["order.paid"]
    event = Event.objects.get()
    assert event.event_id.startswith("evt_") and event.order == order and event.buyer == buyer
    assert event.data["order"]["order_id"] == order.order_id
    assert event.data["order"]["total_amount"] == 15_000
    assert [item["unit_price"] for item in event.data["order"]["items"]] == [10_000, 5_000]
    assert event.data["payment"]["receipt_id"] == receipt_id
    assert event.data["payment"]["status"] == "paid"
    assert event.dispatched_at is not None  # dispatched after commit (eager Celery here)


def test_a_virtual_account_is_issued_then_deposited_then_paid_in_that_order(
    buyer, make_order, pay_at_pg, bootpay
):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    issued = Event.objects.get(type="payment.virtual_account_issued")
    account = issued.data["virtual_account"]
    assert account["bank_name"] and account["account_number"] and account["due_at"]

    bootpay.state.deposit(receipt_id)
    payment_reconcile(older_than_minutes=0)
    payment_reconcile(older_than_minutes=0)  # again: nothing new

    assert _types(f"order:{order.order_id}") == [
        "payment.virtual_account_issued",
        "payment.deposit_received",
        "order.paid",
    ]


def test_a_refund_is_requested_then_succeeded_and_carries_the_refund(buyer, make_order, pay_at_pg, bootpay):
    order = make_order(prices=(10_000, 5_000))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    line = order.items.order_by("pk").last()
    cancellation = payment_cancel(payment_pk=payment.pk, actor=buyer, reason="변심", item_ids=[line.pk])

    assert _types(f"order:{order.order_id}") == ["order.paid", "refund.requested", "refund.succeeded"]
    succeeded = Event.objects.get(type="refund.succeeded")
    assert succeeded.data["refund"]["cancel_id"] == cancellation.cancel_id
    assert succeeded.data["refund"]["amount"] == 5_000
    assert succeeded.data["refund"]["item_ids"] == [line.pk]
    assert succeeded.data["payment"]["cancelled_amount"] == 5_000  # the snapshot after the booking


def test_a_refused_refund_is_refund_failed(buyer, make_order, pay_at_pg, bootpay):
    from config.errors import DomainError

    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    bootpay.state.add_fault("cancel", "error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="변심")

    assert _types(f"order:{order.order_id}")[-2:] == ["refund.requested", "refund.failed"]
    assert Event.objects.get(type="refund.failed").data["refund"]["error_code"]


def test_an_amount_mismatch_is_payment_failed(buyer, make_order, pay_at_pg, bootpay):
    from config.errors import DomainError

    order = make_order()
    with pytest.raises(DomainError):
        payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, price=1_000), actor=buyer)

    assert "payment.failed" in _types(f"order:{order.order_id}")
    assert "order.paid" not in _types(f"order:{order.order_id}")


def test_an_event_is_written_in_the_transaction_of_its_change_and_rolls_back_with_it(
    buyer, make_order, pay_at_pg, bootpay
):
    order = make_order()
    receipt_id = pay_at_pg(order)
    with pytest.raises(RuntimeError), transaction.atomic():
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        assert Event.objects.filter(type="order.paid").exists()  # there, inside the transaction
        raise RuntimeError("the request died before commit")

    assert not Event.objects.exists()
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_a_subscription_tells_started_and_charged_and_never_its_billing_key(
    buyer, bootpay, subscribable, on_commit_now
):
    from payments.billing.services import subscription_cancel, subscription_create

    key, plain_key = emulator_billing_key(buyer, bootpay)
    subscription = subscription_create(
        buyer=buyer, product_id=subscribable().pk, billing_key_id=key.billing_key_id
    )
    subscription_cancel(subscription_id=subscription.subscription_id, actor=buyer)

    types = _types(f"subscription:{subscription.subscription_id}")
    assert types[0] == "subscription.started" and "subscription.cancelled" in types
    assert "subscription.charged" in types
    started = Event.objects.get(type="subscription.started")
    assert started.seller_id == subscription.product.seller_id and started.buyer == buyer
    everything = json.dumps(list(Event.objects.values_list("data", flat=True)))
    for secret in (plain_key, key.key_encrypted, key.key_fingerprint, key.billing_key_id):
        assert secret not in everything
