"""Partner webhooks delivered to a real HTTP receiver that verifies them with `standardwebhooks`."""

import pytest

from payments.events.models import Event, WebhookEndpointDelivery

pytestmark = pytest.mark.django_db


def test_a_staff_endpoint_receives_each_event_once_signed_with_its_secret(
    staff, endpoint_for, emit, make_order
):
    # Given a staff endpoint and an order
    endpoint, partner = endpoint_for(staff)
    order = make_order()

    # When two events of the order happen
    emit(order, type="order.paid")
    emit(order, type="pg_outcome.open", data={"kind": "refund", "order_id": order.order_id})

    # Then each arrived once, verified, with the event's id as webhook-id, in order
    events = list(Event.objects.order_by("pk"))
    assert partner.rejected == []
    assert partner.accepted_ids() == [event.event_id for event in events]
    first = partner.accepted[0]
    assert first.payload == {
        "id": events[0].event_id,
        "type": "order.paid",
        "created_at": first.payload["created_at"],
        "data": events[0].data,
    }
    assert first.headers["content-type"] == "application/json"
    assert first.headers["user-agent"].startswith("Marketplace-Webhooks/")
    assert first.headers["webhook-signature"].startswith("v1,")
    deliveries = WebhookEndpointDelivery.objects.filter(endpoint=endpoint)
    assert {(d.state, d.attempts, d.last_status_code) for d in deliveries} == {("succeeded", 1, 200)}
    assert all(d.delivered_at and d.last_latency_ms is not None for d in deliveries)
