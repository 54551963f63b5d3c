"""The REST race, driven through verifyPayment: twenty buyers' requests, one paid transition."""

import pytest

from orders.models import Order
from payments.models import Payment, PaymentEvent
from tests.concurrency import run_at_once
from tests.graphql_api.conftest import GraphQLClient

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

VERIFY = """mutation($o: String!, $r: String!) {
  verifyPayment(orderId: $o, receiptId: $r) {
    __typename ... on VerifyPaymentSuccess { payment { paymentId status } } ... on Error { code }
  }
}"""


def test_twenty_simultaneous_verify_mutations_pay_once(buyer, make_order, pay_at_pg):
    order = make_order(prices=(15_000,))
    receipt_id = pay_at_pg(order)
    clients = [GraphQLClient(buyer) for _ in range(20)]

    results, refusals = run_at_once(
        *[lambda client=client: client(VERIFY, {"o": order.order_id, "r": receipt_id}) for client in clients]
    )

    assert refusals == []
    payloads = [result["verifyPayment"] for result in results]
    assert {payload["__typename"] for payload in payloads} == {"VerifyPaymentSuccess"}
    assert len({payload["payment"]["paymentId"] for payload in payloads}) == 1
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert PaymentEvent.objects.filter(payment=payment, to_status="paid").count() == 1
