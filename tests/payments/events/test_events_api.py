"""GET /api/v1/events/: a partner catches up after downtime. Staff see every event; a seller its orders'
(only its own lines) and never a staff-only type; a buyer none. Oldest first, resumable."""

from __future__ import annotations

import pytest
from django.db import transaction

from payments.events.models import Event
from payments.events.services.outbox import event_record
from payments.services import payment_verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_seller_order(buyer, make_seller, make_product, pay_at_pg, bootpay):
    from orders.services import OrderLine, order_create

    mine, theirs = make_seller("mine"), make_seller("theirs")
    products = [make_product(seller=mine, price=10_000), make_product(seller=theirs, price=7_000)]
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1) for product in products])
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    return order, mine, theirs


def _walk(client, url):
    seen = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        seen += answer.json()["results"]
        url = answer.json()["next"]
    return seen


def test_staff_walk_every_event_oldest_first_across_pages(api_client_for, make_user, two_seller_order):
    order, _, _ = two_seller_order
    with transaction.atomic():
        for n in range(4):
            event_record(
                type="pg_outcome.open",
                dedup_key=f"test:{n}",
                aggregate=f"order:{order.order_id}",
                order=order,
                data={"n": n},
            )
    staff = api_client_for(make_user(is_staff=True))

    seen = _walk(staff, "/api/v1/events/?page_size=2")

    ids = list(Event.objects.order_by("pk").values_list("event_id", flat=True))
    assert [event["id"] for event in seen] == ids and len(ids) == 5
    assert set(seen[0]) == {"id", "type", "created_at", "data"}


def test_after_resumes_behind_the_last_event_a_partner_processed(api_client_for, make_user, two_seller_order):
    order, _, _ = two_seller_order
    staff = api_client_for(make_user(is_staff=True))
    first = staff.get("/api/v1/events/").json()["results"][0]["id"]
    with transaction.atomic():
        event_record(
            type="pg_outcome.open",
            dedup_key="later",
            aggregate=f"order:{order.order_id}",
            order=order,
            data={},
        )

    later = staff.get(f"/api/v1/events/?after={first}").json()["results"]

    assert [event["type"] for event in later] == ["pg_outcome.open"]
    assert staff.get("/api/v1/events/?after=evt_nope").json()["code"] == "validation_error"


def test_a_seller_sees_its_orders_events_with_only_its_own_lines_and_no_staff_only_type(
    api_client_for, two_seller_order
):
    order, mine, theirs = two_seller_order
    with transaction.atomic():
        event_record(
            type="pg_outcome.open",
            dedup_key="staff",
            aggregate=f"order:{order.order_id}",
            order=order,
            data={},
        )

    for seller in (mine, theirs):
        results = api_client_for(seller.user).get("/api/v1/events/").json()["results"]
        assert [event["type"] for event in results] == ["order.paid"]
        items = results[0]["data"]["order"]["items"]
        assert {item["seller_id"] for item in items} == {seller.pk}


def test_a_seller_without_lines_in_the_order_sees_nothing_and_a_buyer_is_refused(
    api_client_for, buyer, make_seller, two_seller_order
):
    stranger = make_seller("stranger")
    assert api_client_for(stranger.user).get("/api/v1/events/").json()["results"] == []
    answer = api_client_for(buyer).get("/api/v1/events/")
    assert answer.status_code == 403 and answer.json()["code"] == "permission_denied"
    assert api_client_for(None).get("/api/v1/events/").status_code == 401


def test_type_filter_and_bad_input_answer_validation_errors(api_client_for, make_user, two_seller_order):
    staff = api_client_for(make_user(is_staff=True))
    assert [e["type"] for e in staff.get("/api/v1/events/?type=order.paid").json()["results"]] == [
        "order.paid"
    ]
    assert staff.get("/api/v1/events/?type=refund.succeeded").json()["results"] == []
    for query in ("type=nope", "cursor=%00", "page_size=0", "after="):
        answer = staff.get(f"/api/v1/events/?{query}")
        assert answer.status_code == 400 and answer.json()["code"] == "validation_error", query


@pytest.mark.postgres_only
def test_an_event_that_commits_after_a_later_numbered_one_is_still_listed_after_the_cursor(
    api_client_for, make_user
):
    # Two money transactions overlap: A takes the lower pk but commits last. A partner that polled in
    # between and resumes after what it saw must still get A's event.
    import threading

    from django.db import connection

    staff = api_client_for(make_user(is_staff=True))
    started, release = threading.Event(), threading.Event()

    def slow():
        try:
            with transaction.atomic():
                event_record(type="order.paid", dedup_key="slow", aggregate="order:SLOW", data={})
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert started.wait(10)
    with transaction.atomic():
        event_record(type="order.paid", dedup_key="fast", aggregate="order:FAST", data={})
    seen = staff.get("/api/v1/events/").json()["results"]
    release.set()
    thread.join()

    assert [event["data"] for event in seen] == [{}] and len(seen) == 1
    resumed = staff.get(f"/api/v1/events/?after={seen[0]['id']}").json()["results"]
    slow_event = Event.objects.get(dedup_key="slow")
    assert [event["id"] for event in resumed] == [slow_event.event_id]
    assert slow_event.pk < Event.objects.get(dedup_key="fast").pk  # it was numbered first, listed later
