"""pg_outcome.open: a PG call still unanswered after its grace becomes one staff-only event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from payments.events.models import Event
from payments.events.services.open_outcomes import pg_outcomes_report_open
from payments.models import Cancellation
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refund_left_unanswered_past_its_grace_is_reported_once(
    buyer, make_order, pay_at_pg, bootpay, settings
):
    settings.EVENTS_OPEN_OUTCOME_GRACE_S = 3600
    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    bootpay.state.add_fault("cancel", "lost_answer", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="변심")
    cancellation = Cancellation.objects.get()
    assert cancellation.state == Cancellation.State.REQUESTED

    pg_outcomes_report_open()  # within its grace: the sweeps may still settle it
    assert not Event.objects.filter(type="pg_outcome.open").exists()

    later = timezone.now() + timedelta(hours=2)
    pg_outcomes_report_open(now=later)
    pg_outcomes_report_open(now=later)

    event = Event.objects.get(type="pg_outcome.open")
    assert event.aggregate == f"order:{order.order_id}"
    assert event.data["kind"] == "refund" and event.data["reference"] == cancellation.cancel_id
    assert event.data["payment_id"] == payment.public_id and event.data["amount"] == payment.amount
