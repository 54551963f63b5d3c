"""The webhook deliveries' admin (payments/webhooks/admin.py): "reprocess" goes through the webhooks
service, one message per delivery, and goes on after a delivery whose processing fails. (Read only and
staff only, with the rest of the payments console: tests/payments/test_admin.py.)"""

import json

import pytest
from django.db import connection
from django.urls import reverse

from payments.models import PaymentEvent, WebhookDelivery
from payments.services import payment_verify
from payments.webhooks.services import webhook_receive
from tests.db_faults import StatementTimeoutOnce

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_webhooks(on_commit_now):
    """Webhook tasks run eagerly, as soon as the endpoint enqueues them."""


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True, email="admin@example.com"))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def store(receipt_id: str, **body) -> WebhookDelivery:
    raw = json.dumps({"receipt_id": receipt_id, **body}).encode()
    return webhook_receive(raw_body=raw, content_type="application/json", headers={}, remote_ip=None)


def reprocess(client, *deliveries):
    return client.post(
        reverse("admin:payments_webhookdelivery_changelist"),
        {"action": "reprocess", "_selected_action": [d.pk for d in deliveries]},
        follow=True,
    )


def test_reprocess_syncs_failed_and_waiting_deliveries_and_reports_each(
    staff_client, buyer, make_order, pay_at_pg, bootpay
):
    order = make_order()
    receipt_id = pay_at_pg(order)
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    failed = store(receipt_id, status=1)
    WebhookDelivery.objects.filter(pk=failed.pk).update(state="failed", error="gateway error RC_X")
    unknown = store("0123456789abcdef01234567")
    done = store(receipt_id, status=1)
    WebhookDelivery.objects.filter(pk=done.pk).update(state="processed")
    bootpay.state.cancel(receipt_id, cancel_price=order.total_amount, cancel_id="cx_made_in_bootpay_admin")

    response = reprocess(staff_client, failed, unknown, done)

    texts = messages_of(response)
    assert len(texts) == 3
    assert f"#{failed.pk}" in texts[0] and "processed" in texts[0]
    assert f"#{unknown.pk}" in texts[1] and "unmatched" in texts[1]
    assert f"#{done.pk}" in texts[2] and "처리할 것이 없습니다" in texts[2]  # "nothing to do"
    failed.refresh_from_db()
    assert failed.state == "processed" and failed.attempts == 1
    payment.refresh_from_db()
    assert payment.status == "cancelled"  # the re-fetched receipt was synced
    assert payment.events.filter(kind=PaymentEvent.Kind.CANCELLED_AT_PG).exists()


@pytest.mark.postgres_only
def test_reprocess_goes_on_after_a_delivery_whose_processing_meets_a_database_error(
    staff_client, make_order, pay_at_pg, bootpay
):
    # given two deliveries, the first one's processing meeting a cancelled statement (a statement_timeout)
    # outside the webhooks' own atomic blocks, in a request that runs inside the test's transaction
    first, second = (store(pay_at_pg(make_order()), status=1) for _ in range(2))

    # when staff reprocess both
    fault = StatementTimeoutOnce("payments_webhookdelivery", within="webhook_process")
    with connection.execute_wrapper(fault):
        response = reprocess(staff_client, first, second)

    # then the first is reported as an error and the second is processed
    texts = messages_of(response)
    assert fault.fired and len(texts) == 2
    assert f"#{first.pk}" in texts[0] and "오류가 발생했습니다" in texts[0]  # "raised an error"
    assert f"#{second.pk}" in texts[1] and "processed" in texts[1]
    assert WebhookDelivery.objects.get(pk=second.pk).state == "processed"
