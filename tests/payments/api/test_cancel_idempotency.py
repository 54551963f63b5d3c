"""Idempotency-Key on cancel, per the IETF Idempotency-Key draft (money defects #6), REST and GraphQL.

Before the fix the same key with a different body answered 200 with the first cancellation (the
caller believed 5,000 went back), and a retry after a 503 answered 200 with state `requested`.
"""

import pytest
from django.utils import timezone

from payments.models import Cancellation
from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

GQL_CANCEL = """mutation($p: ID!, $amount: Int, $key: String!) {
  cancelPayment(paymentId: $p, reason: "x", amount: $amount, idempotencyKey: $key) {
    __typename
    ... on CancelPaymentSuccess { cancellation { cancelId amount state } }
    ... on Error { code }
  }
}"""


@pytest.fixture
def staff(make_user):
    return make_user("ops", is_staff=True)


@pytest.fixture
def payment(buyer, make_order, pay_at_pg):
    order = make_order(prices=(10_000,))
    return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)


def rest_cancel(client, payment, key, **body):
    return client.post(
        f"/api/v1/payments/{payment.public_id}/cancel/",
        {"reason": "x", **body},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_same_key_with_a_different_body_is_refused(staff, payment, api_client_for, bootpay):
    client = api_client_for(staff)
    assert rest_cancel(client, payment, "k1", amount=1_000).status_code == 200

    reused = rest_cancel(client, payment, "k1", amount=5_000)

    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    again = rest_cancel(client, payment, "k1", amount=1_000)
    assert again.status_code == 200 and again.json()["cancellation"]["amount"] == 1_000
    assert bootpay.state.call_count("POST", "cancel") == 1
    payment.refresh_from_db()
    assert payment.cancelled_amount == 1_000


def test_graphql_refuses_a_reused_key_the_same_way(staff, payment, bootpay):
    gql = GraphQLClient(staff)
    first = gql(GQL_CANCEL, {"p": payment.public_id, "amount": 1_000, "key": "k1"})["cancelPayment"]
    assert first["__typename"] == "CancelPaymentSuccess"

    reused = gql(GQL_CANCEL, {"p": payment.public_id, "amount": 5_000, "key": "k1"})["cancelPayment"]

    assert reused == {"__typename": "OperationError", "code": "idempotency_key_reused"}
    assert bootpay.state.call_count("POST", "cancel") == 1


@pytest.mark.parametrize("reached_pg", [True, False])
@pytest.mark.parametrize("duplicate_policy", ["refuse", "replay"])
def test_a_retry_after_an_unknown_outcome_settles_it_with_the_same_cancel_id(
    staff, payment, api_client_for, bootpay, reached_pg, duplicate_policy
):
    # given a cancel whose answer was lost (503); Bootpay may or may not have applied it
    bootpay.state.update_settings(duplicate_cancel_id=duplicate_policy)
    client = api_client_for(staff)
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    first = rest_cancel(client, payment, "k1", amount=4_000)
    assert first.status_code == 503
    cancellation = Cancellation.objects.get(payment=payment)
    if reached_pg:
        bootpay.state.cancel(payment.receipt_id, cancel_price=4_000, cancel_id=cancellation.cancel_id)

    # when the caller retries with the same key
    retry = rest_cancel(client, payment, "k1", amount=4_000)

    # then Bootpay is asked again with the same cancel_id and the answer is the settled outcome
    assert retry.status_code == 200, retry.json()
    assert retry.json()["cancellation"]["state"] == "succeeded"
    assert retry.json()["cancellation"]["cancel_id"] == cancellation.cancel_id
    assert [c["cancel_id"] for c in bootpay.state.cancellations(payment.receipt_id)] == [
        cancellation.cancel_id
    ]
    payment.refresh_from_db()
    assert (
        payment.cancelled_amount == 4_000 == bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"]
    )


def test_a_retry_while_another_request_holds_the_cancel_hears_cancel_in_progress(
    staff, payment, api_client_for, bootpay
):
    client = api_client_for(staff)
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    assert rest_cancel(client, payment, "k1", amount=4_000).status_code == 503
    cancellation = Cancellation.objects.get(payment=payment)
    # another request is at Bootpay with it right now
    Cancellation.objects.filter(pk=cancellation.pk).update(attempt_started_at=timezone.now())

    retry = rest_cancel(client, payment, "k1", amount=4_000)

    assert retry.status_code == 409 and retry.json()["code"] == "cancel_in_progress"
    assert bootpay.state.call_count("POST", "cancel") == 1


def test_a_retry_of_a_refused_cancel_hears_the_refusal_again(staff, payment, api_client_for, bootpay):
    client = api_client_for(staff)
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)
    assert rest_cancel(client, payment, "k1", amount=4_000).json()["code"] == "gateway_error"

    retry = rest_cancel(client, payment, "k1", amount=4_000)

    assert retry.status_code == 502 and retry.json()["code"] == "gateway_error"
    assert retry.json()["details"]["pg_code"] == "RC_CANCEL_SERVER_ERROR"
    assert bootpay.state.call_count("POST", "cancel") == 1
