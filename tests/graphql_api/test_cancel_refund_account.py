"""GraphQL cancelPayment can do what REST's cancel does: the tax-free part (staff) and a refund account."""

import pytest

from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

CANCEL = """mutation($p: ID!, $key: String!, $amount: Int, $taxFree: Int, $refund: RefundAccountInput) {
  cancelPayment(paymentId: $p, reason: "x", idempotencyKey: $key, amount: $amount,
                taxFreeAmount: $taxFree, refund: $refund) {
    __typename
    ... on CancelPaymentSuccess { cancellation { amount state } }
    ... on Error { code }
    ... on InputError { fields { field } }
  }
}"""
ACCOUNT = {"bankCode": "004", "bankAccount": "123-456-7890", "bankUsername": "홍길동"}


def test_a_deposited_virtual_account_is_refunded_to_the_given_account(deposited_vbank, buyer, bootpay):
    payment = deposited_vbank()
    gql = GraphQLClient(buyer)

    missing = gql(CANCEL, {"p": payment.public_id, "key": "k0"})["cancelPayment"]
    bad = gql(CANCEL, {"p": payment.public_id, "key": "k1", "refund": ACCOUNT | {"bankCode": "4"}})
    done = gql(CANCEL, {"p": payment.public_id, "key": "k2", "refund": ACCOUNT})["cancelPayment"]

    assert (missing["__typename"], missing["fields"]) == ("InputError", [{"field": "refund"}])
    assert bad["cancelPayment"]["fields"] == [{"field": "refund.bank_code"}]
    assert done["__typename"] == "CancelPaymentSuccess" and done["cancellation"]["state"] == "succeeded"
    (refund,) = bootpay.state.cancellations(payment.receipt_id)
    assert refund["refund"]["bank_account"] == "1234567890"  # the digits: the hyphens people type are dropped


def test_staff_split_the_tax_free_part(make_user, buyer, make_order, pay_at_pg, bootpay):
    order = make_order(prices=(18_000, 50_000), tax_free=(1,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    gql = GraphQLClient(make_user("ops", is_staff=True))

    over = gql(CANCEL, {"p": payment.public_id, "key": "k1", "amount": 50_000, "taxFree": 0})["cancelPayment"]
    split = gql(CANCEL, {"p": payment.public_id, "key": "k2", "amount": 20_000, "taxFree": 15_000})

    assert over["fields"] == [{"field": "tax_free_amount"}]
    assert split["cancelPayment"]["__typename"] == "CancelPaymentSuccess"
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_tax_free"] == 15_000
