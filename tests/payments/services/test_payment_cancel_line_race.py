"""One order line is refunded at most once, however many callers race for it (issue: money defects #1).

Before the fix three of ten concurrent line cancels succeeded: a line named by a still-`requested`
cancellation was accepted again, only the payment's total balance limited it.
"""

import itertools

import pytest

from orders.models import OrderItem
from payments.models import Cancellation, Payment
from payments.services import payment_verify
from tests.concurrency import run_at_once
from tests.graphql_api.conftest import GraphQLClient

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

GQL_CANCEL = """mutation($p: ID!, $items: [ID!], $key: String!) {
  cancelPayment(paymentId: $p, reason: "dup", itemIds: $items, idempotencyKey: $key) {
    __typename ... on Error { code }
  }
}"""

_keys = itertools.count()


@pytest.fixture
def two_seller_payment(buyer, make_order, pay_at_pg):
    """18,000 won from seller A (taxable) and 50,000 won from seller B (tax-free), paid."""
    order = make_order(prices=(18_000, 50_000), tax_free=(1,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    line_a, line_b = order.items.order_by("pk")
    return payment, line_a, line_b


def _rest(api_client_for, user, payment, body):
    client = api_client_for(user)

    def call():
        response = client.post(
            f"/api/v1/payments/{payment.public_id}/cancel/",
            body,
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"race-{next(_keys)}",
        )
        assert response.status_code in (200, 400, 409), response.content
        return response.status_code == 200

    return call


def _graphql(user, payment, line):
    client = GraphQLClient(user)

    def call():
        variables = {"p": payment.public_id, "items": [str(line.pk)], "key": f"race-{next(_keys)}"}
        result = client(GQL_CANCEL, variables)["cancelPayment"]
        assert result["__typename"] in ("CancelPaymentSuccess", "OperationError", "InputError"), result
        return result["__typename"] == "CancelPaymentSuccess"

    return call


@pytest.mark.parametrize("mix", ["seller", "buyer", "staff", "graphql", "every_role"])
def test_concurrent_cancels_of_one_line_refund_it_once(
    mix, two_seller_payment, buyer, make_user, api_client_for, bootpay
):
    payment, line_a, line_b = two_seller_payment
    seller_a = line_a.seller.user
    staff = make_user("ops", is_staff=True)
    callers = {
        "seller": lambda: _rest(api_client_for, seller_a, payment, {"reason": "dup"}),
        "buyer": lambda: _rest(api_client_for, buyer, payment, {"reason": "dup", "items": [line_a.pk]}),
        "staff": lambda: _rest(api_client_for, staff, payment, {"reason": "dup", "items": [line_a.pk]}),
        "graphql_buyer": lambda: _graphql(buyer, payment, line_a),
        "graphql_seller": lambda: _graphql(seller_a, payment, line_a),
    }
    if mix == "every_role":
        calls = [make() for make in callers.values() for _ in range(3)]
    elif mix == "graphql":
        calls = [callers["graphql_buyer"]() for _ in range(5)] + [
            callers["graphql_seller"]() for _ in range(5)
        ]
    else:
        calls = [callers[mix]() for _ in range(10)]

    results, _ = run_at_once(*calls)

    assert results.count(True) == 1, results
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert (receipt["cancelled_price"], receipt["cancelled_tax_free"]) == (18_000, 0)
    payment.refresh_from_db()
    assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (18_000, 0)
    assert payment.status == Payment.Status.PARTIALLY_CANCELLED
    assert OrderItem.objects.get(pk=line_a.pk).status == OrderItem.Status.REFUNDED
    assert OrderItem.objects.get(pk=line_b.pk).status == OrderItem.Status.PAID
    assert Cancellation.objects.filter(payment=payment).exclude(state="succeeded").count() == 0
    assert len(bootpay.state.cancellations(payment.receipt_id)) == 1
