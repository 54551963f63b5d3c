"""A request id on every log line of a request, and on the processing of the webhooks it received."""

import json

import pytest

from config.request_id import bind_request_id, current_request_id
from payments.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_bind_request_id_nests_and_restores():
    assert current_request_id() is None
    with bind_request_id("outer"):
        with bind_request_id("inner") as bound:
            assert bound == current_request_id() == "inner"
        assert current_request_id() == "outer"
        with bind_request_id(None):
            assert current_request_id() is None
    assert current_request_id() is None


@pytest.mark.parametrize("given", ["abc-123", "Root=1-67891233-abcdef012345678912345678", "a" * 64])
def test_a_valid_incoming_id_is_kept_and_echoed(client, given):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "has space", 'quote"', "a" * 65, "line\nbreak", "<script>"])
def test_an_unsafe_incoming_id_is_replaced_by_a_new_one(client, given):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert answered != given and len(answered) == 32 and int(answered, 16) >= 0


def test_every_request_gets_its_own_id(client):
    first, second = (client.get("/api/v1/products/")["X-Request-ID"] for _ in range(2))
    assert first != second


def test_log_lines_of_a_request_carry_its_id(client, log_output):
    output = log_output("json")
    client.get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="req-404")
    lines = [json.loads(line) for line in output().splitlines()]
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert (
        not_found["request_id"] == "req-404" and not_found["message"] == "Not Found: /api/v1/no-such-thing/"
    )
    assert not_found["status_code"] == 404 and not_found["path"] == "/api/v1/no-such-thing/"


def test_a_webhook_is_processed_under_the_id_of_the_request_that_received_it(
    on_commit_now, client, make_order, pay_at_pg, bootpay, log_output
):
    from payments.webhooks.services import webhook_process

    order = make_order()
    receipt_id = pay_at_pg(order)
    output = log_output("json")

    response = client.post(
        "/api/v1/webhooks/bootpay/",
        json.dumps({"receipt_id": receipt_id, "order_id": order.order_id, "status": 1}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="hook-1",
    )

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(receipt_id=receipt_id)
    assert delivery.request_id == "hook-1" and delivery.state == "processed"
    lookups = [json.loads(line) for line in output().splitlines() if "bootpay receipt" in line]
    assert lookups and {line["request_id"] for line in lookups} == {"hook-1"}

    # Processed again later (a task, a replay) in another context: the lines keep the receiving id.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed")
    with bind_request_id("some-task"):
        webhook_process(delivery_pk=delivery.pk, retry_failed=True)
    lookups = [json.loads(line) for line in output().splitlines() if "bootpay receipt" in line]
    assert lookups[-1]["request_id"] == "hook-1"


def test_a_request_id_with_a_trailing_newline_is_replaced_not_accepted():
    from config.request_id import valid_request_id

    assert valid_request_id("abc\n") is None  # `$` matches before a final newline


@pytest.mark.django_db
def test_a_request_id_with_a_trailing_newline_never_makes_a_500(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/checkout/config/", HTTP_X_REQUEST_ID="abc\n")

    assert response.status_code == 200
    assert "\n" not in response["X-Request-ID"]
