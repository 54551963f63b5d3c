"""Who is told of what (`NOTICES`): staff of open PG outcomes, the sellers of a refund's lines, and
each (event, recipient, channel) once however often the event is dispatched."""

import pytest
from django.db import transaction

from payments.events.models import Event, EventType, Notification
from payments.events.services.dispatch import events_dispatch
from payments.events.services.notifications import notifications_create
from payments.events.services.outbox import event_record

pytestmark = pytest.mark.django_db


def _record(kind, *, data, buyer_id=None, key="1"):
    with transaction.atomic():
        event_record(
            type=kind, dedup_key=f"{kind}:{key}", aggregate="order:ord_t", data=data, buyer_id=buyer_id
        )


def test_an_open_pg_outcome_is_mailed_to_active_staff_with_an_email_only(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    ops = make_user("ops", is_staff=True, email="ops@example.test")
    make_user("ops-no-mail", is_staff=True, email="")
    make_user("ops-gone", is_staff=True, is_active=False, email="gone@example.test")
    make_user("customer", email="customer@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        _record(EventType.PG_OUTCOME_OPEN, data={"kind": "refund", "reference": "cx_1", "amount": 5_000})
        events_dispatch()

    assert list(Notification.objects.values_list("recipient_id", "audience", "state")) == [
        (ops.pk, "staff", "sent")
    ]
    (mail,) = mailoutbox
    assert mail.to == ["ops@example.test"] and "결제대행사 결과 미확인 (refund)" in mail.subject


def test_a_refund_is_told_to_the_sellers_of_its_lines_and_a_second_dispatch_adds_nothing(
    make_user, make_seller, mailoutbox, django_capture_on_commit_callbacks
):
    buyer = make_user("refunded", email="refunded@example.test")
    alpha, beta = make_seller("ralpha"), make_seller("rbeta")
    for seller in (alpha, beta):
        seller.user.email = f"{seller.name}@example.test"
        seller.user.save()
    order = {
        "order_id": "ord_t",
        "total_amount": 13_000,
        "items": [
            {"item_id": 1, "seller_id": alpha.pk, "product_name": "A", "quantity": 1, "unit_price": 10_000},
            {"item_id": 2, "seller_id": beta.pk, "product_name": "B", "quantity": 1, "unit_price": 3_000},
        ],
    }
    data = {
        "order": order,
        "payment": None,
        "refund": {"cancel_id": "cx_1", "amount": 3_000, "item_ids": [2]},
    }

    with django_capture_on_commit_callbacks(execute=True):
        _record(EventType.REFUND_SUCCEEDED, data=data, buyer_id=buyer.pk)
        events_dispatch()
    notifications_create(event=Event.objects.get())  # dispatched again (a crash before its commit)

    assert sorted(mail.to[0] for mail in mailoutbox) == ["rbeta@example.test", "refunded@example.test"]
    assert Notification.objects.count() == 2
    to_beta = next(mail for mail in mailoutbox if mail.to == ["rbeta@example.test"])
    assert "3,000원" in to_beta.body and "10,000" not in to_beta.body  # its line; not the other's
