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


def test_failures_are_retried_on_the_schedule_and_the_event_is_accepted_once(
    staff, endpoint_for, emit, later, make_order
):
    # Given a receiver that answers 500, then times out, then works
    endpoint, partner = endpoint_for(staff, plan=["500", "timeout"])
    order = make_order()

    # When an event happens: the first attempt fails and the next waits for its time
    emit(order)
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert 55 <= (delivery.next_attempt_at - delivery.attempt_log.get().started_at).total_seconds() <= 65
    before_due = len(partner.requests)
    from payments.events.services.webhook_delivery import webhook_deliveries_sweep

    webhook_deliveries_sweep()  # not due yet: nothing is sent
    assert len(partner.requests) == before_due

    # Then after the retries fall due it is accepted exactly once
    later()
    later()
    later()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 3)
    assert [(a.status_code, a.succeeded) for a in delivery.attempt_log.order_by("number")] == [
        (500, False),
        (None, False),
        (200, True),
    ]
    assert delivery.attempt_log.get(number=2).error == "timeout"
    assert partner.accepted_ids() == [delivery.event.event_id]
    assert len({r.webhook_id for r in partner.requests}) == 1  # the same webhook-id on every attempt


def test_order_within_an_order_is_kept_while_its_first_event_is_retried(
    staff, endpoint_for, emit, later, make_order
):
    # Given the receiver fails the first request only
    endpoint, partner = endpoint_for(staff, plan=["500"])
    first_order, other_order = make_order(), make_order()

    # When three events of one order and one of another happen
    emit(first_order, type="order.paid")
    emit(first_order, type="refund.requested")
    emit(other_order, type="order.paid")
    emit(first_order, type="refund.succeeded")

    # Then the other order's event is not held back, the first order's wait for its first
    events = {(e.aggregate, e.type): e.event_id for e in Event.objects.all()}
    assert partner.accepted_ids() == [events[(f"order:{other_order.order_id}", "order.paid")]]

    later()

    aggregate = f"order:{first_order.order_id}"
    assert partner.accepted_ids()[1:] == [
        events[(aggregate, "order.paid")],
        events[(aggregate, "refund.requested")],
        events[(aggregate, "refund.succeeded")],
    ]
    assert set(WebhookEndpointDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


def test_a_dead_delivery_no_longer_holds_back_its_order(
    settings, staff, endpoint_for, emit, later, make_order
):
    # Given two attempts in all, and a receiver failing both of the first event's
    settings.EVENTS_WEBHOOK_RETRY_SCHEDULE_S = [0, 60]
    endpoint, partner = endpoint_for(staff, plan=["500", "500"])
    order = make_order()
    emit(order, type="order.paid")
    emit(order, type="refund.requested")
    assert partner.accepted == [] and len(partner.requests) == 1  # the second waits behind the first

    # When the retry fails too
    later()

    # Then the first is dead and the second went through
    states = dict(WebhookEndpointDelivery.objects.values_list("event__type", "state"))
    assert states == {"order.paid": "failed", "refund.requested": "succeeded"}
    assert [r.payload["type"] for r in partner.accepted] == ["refund.requested"]


def test_a_rotated_secret_verifies_with_either_secret_during_the_window_and_only_the_new_after(
    staff, endpoint_for, emit, make_order
):
    from datetime import timedelta

    from django.utils import timezone

    from payments.events.services.partner_webhooks import webhook_endpoint_rotate_secret

    # Given a receiver still holding the old secret, and a rotation
    endpoint, partner = endpoint_for(staff)
    old = partner.secret
    endpoint, new = webhook_endpoint_rotate_secret(endpoint=endpoint)
    assert new != old and new.startswith("whsec_")

    # When an event is sent within the window
    emit(make_order())

    # Then either secret verifies it (two signatures)
    during = partner.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert partner.verifies(during, old) and partner.verifies(during, new)

    # And after the window only the new one does
    endpoint.previous_valid_until = timezone.now() - timedelta(seconds=1)
    endpoint.save(update_fields=["previous_valid_until"])
    emit(make_order())
    after = partner.requests[-1]
    assert partner.verifies(after, new) and not partner.verifies(after, old)
    assert len(after.headers["webhook-signature"].split(" ")) == 1


def test_a_disabled_endpoint_gets_nothing_and_enabling_it_sends_what_waited(
    staff, endpoint_for, emit, later, make_order, on_commit
):
    from payments.events.services.partner_webhooks import webhook_endpoint_update

    # Given an endpoint whose first delivery failed and waits for its retry
    endpoint, partner = endpoint_for(staff, plan=["500"])
    order = make_order()
    emit(order)

    # When it is disabled: the retry falls due, and another event happens
    webhook_endpoint_update(endpoint=endpoint, actor=staff, enabled=False)
    later()
    emit(make_order())

    # Then nothing more was sent, and the later event made no delivery for it
    assert len(partner.requests) == 1 and partner.accepted == []
    assert WebhookEndpointDelivery.objects.filter(endpoint=endpoint).count() == 1

    # And enabling it again sends the delivery that waited
    on_commit(lambda: webhook_endpoint_update(endpoint=endpoint, actor=staff, enabled=True))
    assert partner.accepted_ids() == [Event.objects.filter(order=order).get().event_id]


def test_an_endpoint_failing_for_long_is_disabled_and_staff_are_told_once(
    settings, mailoutbox, staff, endpoint_for, emit, later, make_order
):
    # Given an endpoint that always fails and a short disabling rule
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.EVENTS_WEBHOOK_DISABLE_AFTER_S = 0
    settings.EVENTS_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint, partner = endpoint_for(staff, plan=["500"] * 10)

    # When three attempts fail
    emit(make_order())
    later()
    later()

    # Then it is disabled with a reason, staff got one mail without the secret, and no more is sent
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "automatically disabled" in endpoint.disabled_reason
    assert len(mailoutbox) == 1 and endpoint.endpoint_id in mailoutbox[0].subject
    assert partner.secret.removeprefix("whsec_") not in mailoutbox[0].body
    sent = len(partner.requests)
    later()
    emit(make_order())
    assert len(partner.requests) == sent == 3


def test_a_success_ends_the_failure_streak(staff, endpoint_for, emit, later, make_order):
    endpoint, partner = endpoint_for(staff, plan=["500", "500"])
    emit(make_order())
    later()
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since is not None) == (2, True)

    later()

    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since, endpoint.enabled) == (0, None, True)


def test_a_seller_endpoint_gets_only_its_orders_events_with_only_its_lines(
    staff, endpoint_for, emit, make_seller, make_product, buyer
):
    from orders.services import OrderLine, order_create

    # Given two sellers, an order with lines of both, and an order of the second only
    mine, theirs = make_seller("mine"), make_seller("theirs")
    my_product, their_product = make_product(seller=mine), make_product(seller=theirs)
    shared = order_create(buyer=buyer, lines=[OrderLine(my_product.pk, 1), OrderLine(their_product.pk, 1)])
    not_mine = order_create(buyer=buyer, lines=[OrderLine(their_product.pk, 1)])
    my_endpoint, my_partner = endpoint_for(mine.user)
    _, staff_partner = endpoint_for(staff)

    # When events of both orders happen, a staff-only one among them
    emit(shared, type="order.paid")
    emit(not_mine, type="order.paid")
    emit(shared, type="pg_outcome.open", data={"kind": "refund", "order_id": shared.order_id})

    # Then the seller's endpoint got the shared order's paid event, with its own line only
    assert [(r.payload["type"], r.payload["data"]["order"]["order_id"]) for r in my_partner.accepted] == [
        ("order.paid", shared.order_id)
    ]
    lines = my_partner.accepted[0].payload["data"]["order"]["items"]
    assert [line["seller_id"] for line in lines] == [mine.pk]
    # And staff got everything, the whole order
    assert [r.payload["type"] for r in staff_partner.accepted] == [
        "order.paid",
        "order.paid",
        "pg_outcome.open",
    ]
    assert len(staff_partner.accepted[0].payload["data"]["order"]["items"]) == 2
    assert not WebhookEndpointDelivery.objects.filter(
        endpoint=my_endpoint, event__type="pg_outcome.open"
    ).exists()


def test_event_types_narrow_what_an_endpoint_gets(staff, endpoint_for, emit, make_order):
    _, partner = endpoint_for(staff, event_types=["refund.succeeded"])
    order = make_order()
    emit(order, type="order.paid")
    emit(order, type="refund.succeeded")

    assert [r.payload["type"] for r in partner.accepted] == ["refund.succeeded"]


def test_a_replay_sends_the_same_webhook_id_again(staff, endpoint_for, emit, make_order, on_commit):
    from payments.events.services.partner_webhooks import webhook_delivery_replay

    endpoint, partner = endpoint_for(staff)
    emit(make_order())
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)

    on_commit(lambda: webhook_delivery_replay(endpoint=endpoint, delivery_id=delivery.delivery_id))

    assert partner.accepted_ids() == [delivery.event.event_id] * 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)


def test_a_failed_replay_of_a_dead_delivery_leaves_it_dead(
    settings, staff, endpoint_for, emit, make_order, on_commit
):
    from payments.events.services.partner_webhooks import webhook_delivery_replay

    settings.EVENTS_WEBHOOK_RETRY_SCHEDULE_S = [0]
    endpoint, partner = endpoint_for(staff, plan=["500", "500"])
    emit(make_order())
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "failed"

    on_commit(lambda: webhook_delivery_replay(endpoint=endpoint, delivery_id=delivery.delivery_id))

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert len(partner.requests) == 2 and partner.accepted == []
