"""payments/events/metrics.py, read at scrape time: open PG outcomes by kind and age (the rows the
`pg_outcome.open` report reads), and the outbox's lag per stage."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError
from payments.events.metrics import open_outcomes_collect, outbox_lag_collect
from payments.events.models import Event, Notification
from payments.events.services.outbox import event_record
from payments.models import Cancellation
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db


def figures(collect) -> dict[tuple[str, tuple], float]:
    return {
        (found.name, tuple(sorted(found.labels.items()))): found.value
        for family in collect()
        for found in family.samples
    }


def open_outcome(values, name, **labels) -> float:
    return values[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def refund_without_answer(buyer, make_user, make_order, pay_at_pg, bootpay):
    """A refund sent to Bootpay that never answered: the cancellation stays `requested`."""
    staff = make_user("events-metrics-staff", is_staff=True)
    order = make_order(prices=(10_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="no answer", amount=3_000)
    return Cancellation.objects.get(payment=payment, state=Cancellation.State.REQUESTED)


def test_an_open_refund_is_counted_in_its_age_bucket_and_past_its_grace(refund_without_answer, settings):
    settings.EVENTS_OPEN_OUTCOME_GRACE_S = 3600
    fresh = figures(open_outcomes_collect)
    assert open_outcome(fresh, "payments_pg_outcomes_open", kind="refund", age="under_5m") == 1
    assert open_outcome(fresh, "payments_pg_outcomes_open_past_grace", kind="refund") == 0

    Cancellation.objects.filter(pk=refund_without_answer.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    later = figures(open_outcomes_collect)

    assert open_outcome(later, "payments_pg_outcomes_open", kind="refund", age="under_5m") == 0
    assert open_outcome(later, "payments_pg_outcomes_open", kind="refund", age="1h_to_1d") == 1
    assert open_outcome(later, "payments_pg_outcomes_open_past_grace", kind="refund") == 1
    assert 7200 <= open_outcome(later, "payments_pg_outcome_oldest_open_age_seconds", kind="refund") < 7300
    assert open_outcome(later, "payments_pg_outcomes_open", kind="escrow_registration", age="1h_to_1d") == 0


def test_a_renewal_charge_without_answer_is_an_open_subscription_charge(buyer, subscribe, fake_bootpay):
    from payments.billing.models import Subscription
    from payments.billing.tasks import charge_subscription

    subscription = subscribe(buyer)
    Subscription.objects.filter(pk=subscription.pk).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )
    fake_bootpay.fault("charge_billing_key", "timeout")
    assert charge_subscription.delay(subscription.pk).get() == "unknown"

    values = figures(open_outcomes_collect)

    assert open_outcome(values, "payments_pg_outcomes_open", kind="subscription_charge", age="under_5m") == 1


def test_outbox_lag_reads_the_oldest_undispatched_event_and_overdue_notification(buyer, make_order):
    assert set(figures(outbox_lag_collect).values()) == {0}
    order = make_order()
    with transaction.atomic():
        event = event_record(
            type="order.paid",
            dedup_key="metrics-test",
            aggregate=f"order:{order.order_id}",
            order=order,
            data={},
        )
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    Notification.objects.create(
        event=event,
        recipient=buyer,
        channel="email",
        audience="buyer",
        next_attempt_at=timezone.now() - timedelta(minutes=10),
    )

    values = figures(outbox_lag_collect)

    assert values[("events_outbox_backlog", (("stage", "dispatch"),))] >= 1
    assert 180 <= values[("events_outbox_lag_seconds", (("stage", "dispatch"),))] < 300
    assert values[("events_outbox_backlog", (("stage", "notification"),))] == 1
    assert 600 <= values[("events_outbox_lag_seconds", (("stage", "notification"),))] < 700
    assert values[("events_outbox_lag_seconds", (("stage", "partner_webhook"),))] == 0
