"""A buyer refunding a deposited virtual account names the account: REST and GraphQL refuse a bank
outside the checkout config's refund_banks, or an account number outside its rule, with validation_error
naming the field, before Bootpay is asked; a good account reaches Bootpay as its digits."""

import pytest

from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

ACCOUNT = {"bank_code": "088", "bank_account": "110-123-456789", "bank_username": "홍길동"}
GQL_CANCEL = """mutation($p: ID!, $refund: RefundAccountInput) {
  cancelPayment(paymentId: $p, reason: "단순 변심", idempotencyKey: "k", refund: $refund) {
    __typename
    ... on Error { code }
    ... on InputError { fields { field } }
  }
}"""


def rest_refund(client, payment, **account):
    return client.post(
        f"/api/v1/payments/{payment.public_id}/cancel/",
        {"reason": "단순 변심", "refund": ACCOUNT | account},
        format="json",
    )


def gql_refund(user, payment, **account):
    refund = {"bankCode": "088", "bankAccount": "110-123-456789", "bankUsername": "홍길동"} | account
    return GraphQLClient(user)(GQL_CANCEL, {"p": payment.public_id, "refund": refund})["cancelPayment"]


@pytest.mark.parametrize(
    ("rest_field", "value", "field"),
    [
        ("bank_code", "999", "refund.bank_code"),  # three digits, but no bank refunds go to
        ("bank_code", "4", "refund.bank_code"),
        ("bank_account", "123-456", "refund.bank_account"),  # 6 digits
        ("bank_account", "1234567890123456789", "refund.bank_account"),  # 19
        ("bank_account", "110-123-45678O", "refund.bank_account"),  # a letter O
        ("bank_username", " ", "refund.bank_username"),
    ],
)
def test_rest_and_graphql_refuse_a_bad_refund_account_by_field(
    rest_field, value, field, deposited_vbank, buyer, api_client_for, bootpay
):
    payment = deposited_vbank()

    rest = rest_refund(api_client_for(buyer), payment, **{rest_field: value})
    graphql_name = {"bank_code": "bankCode", "bank_account": "bankAccount", "bank_username": "bankUsername"}
    graphql = gql_refund(buyer, payment, **{graphql_name[rest_field]: value})

    assert rest.status_code == 400, rest.content
    assert rest.json()["code"] == "validation_error"
    assert list(rest.json()["details"]["fields"]) == [field]
    assert (graphql["__typename"], graphql["code"]) == ("InputError", "validation_error")
    assert graphql["fields"] == [{"field": field}]
    assert bootpay.state.call_count("POST", "cancel") == 0


def test_a_good_account_reaches_bootpay_as_its_digits(deposited_vbank, buyer, api_client_for, bootpay):
    payment = deposited_vbank()

    response = rest_refund(api_client_for(buyer), payment, bank_account=" 110-123-456789 ")

    assert response.status_code == 200, response.content
    assert response.json()["cancellation"]["state"] == "succeeded"
    (cancel,) = bootpay.state.cancellations(payment.receipt_id)
    assert cancel["refund"] == {"bank_code": "088", "bank_account": "110123456789", "bank_username": "홍길동"}


def test_the_refusal_reads_in_korean_by_default(deposited_vbank, buyer, api_client_for):
    payment = deposited_vbank()

    body = rest_refund(api_client_for(buyer), payment, bank_code="999", bank_account="12").json()

    fields = body["details"]["fields"]
    assert fields["refund.bank_code"] == ["환불받을 수 있는 은행이 아닙니다 (결제 설정의 refund_banks 참고)"]
    assert fields["refund.bank_account"] == ["숫자 10~16자리 (하이픈과 공백은 빼고 셉니다)"]
