"""Identity verification over GraphQL (docs/identity.md): the same services and codes as REST."""

# ruff: noqa: F811 - the shared fixtures are imported by name (tests/identity_support.py)

import logging

import pytest
from strawberry import relay

from orders.models import Product
from tests.identity_support import born_years_ago, certificate, emulator, verified_adult  # noqa: F401

pytestmark = pytest.mark.django_db

PHONE = "01077776666"

VERIFY = """
mutation($receiptId: String!) {
  verifyIdentity(receiptId: $receiptId) {
    __typename
    ... on VerifyIdentitySuccess { verification { adult verifiedAt expiresAt } }
    ... on Error { code }
  }
}"""


def test_graphql_verify_identity_and_me(buyer, gql_for, certificate, born_years_ago):
    client = gql_for(buyer)

    minor = client(
        VERIFY, {"receiptId": certificate(birth=born_years_ago(18, month=1, day=1), unique="CI-1")}
    )
    assert minor["verifyIdentity"]["verification"]["adult"] is False
    assert client("{ me { identity { verified adult } } }")["me"]["identity"] == {
        "verified": True,
        "adult": False,
    }

    failed = client(VERIFY, {"receiptId": certificate(state="pending", unique="CI-1")})
    assert failed["verifyIdentity"] == {
        "__typename": "OperationError",
        "code": "identity_verification_failed",
    }

    invalid = client(VERIFY, {"receiptId": "../x"})
    assert invalid["verifyIdentity"] == {"__typename": "InputError", "code": "validation_error"}


def test_graphql_sms_flow(buyer, gql_for, emulator):
    client = gql_for(buyer)
    started = client(
        """mutation($p: String!) {
             requestIdentitySms(name: "박서준", identityNo: "8807071", carrier: "LGT", phone: $p) {
               ... on RequestIdentitySmsSuccess { sms { handle resends } } ... on Error { code } } }""",
        {"p": PHONE},
    )["requestIdentitySms"]
    handle = started["sms"]["handle"]
    resent = client(
        """mutation($h: String!) { resendIdentitySms(handle: $h) {
             ... on ResendIdentitySmsSuccess { sms { resends } } } }""",
        {"h": handle},
    )
    assert resent["resendIdentitySms"]["sms"]["resends"] == 1
    otp = emulator.state.certificate_detail(handle)["otp"]
    confirmed = client(
        """mutation($h: String!, $o: String!) { confirmIdentitySms(handle: $h, otp: $o) {
             ... on ConfirmIdentitySmsSuccess { verification { adult } } ... on Error { code } } }""",
        {"h": handle, "o": otp},
    )
    assert confirmed["confirmIdentitySms"] == {"verification": {"adult": True}}


def test_graphql_create_order_of_an_adult_only_product_needs_verification(buyer, gql_for, make_product):
    product = make_product(stock=2, adult_only=True)
    client = gql_for(buyer)
    answer = client(
        """mutation($items: [OrderLineInput!]!) { createOrder(input: {items: $items}) {
             __typename ... on Error { code } } }""",
        {"items": [{"productId": relay.to_base64("Product", product.pk), "quantity": 1}]},
    )

    assert answer["createOrder"] == {"__typename": "OperationError", "code": "adult_verification_required"}
    assert Product.objects.get(pk=product.pk).stock == 2


def test_nothing_personal_in_graphql_answers_or_logs(buyer, gql_for, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    receipt_id = emulator.state.create_certificate(
        birth="19850707", unique="CI-GQL-7", name="최지우", phone=PHONE
    )["receipt_id"]
    client = gql_for(buyer)

    answers = str(client(VERIFY, {"receiptId": receipt_id}))
    answers += str(client("{ me { identity { verified adult verifiedAt expiresAt } } }"))

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ("CI-GQL-7", "최지우", PHONE, "19850707", "1985-07-07"):
        assert personal not in answers and personal not in logged


def test_graphql_product_carries_adult_only(gql_for, make_product):
    make_product(adult_only=True)

    data = gql_for(None)("{ products(first: 5) { edges { node { adultOnly } } } }")

    assert [edge["node"]["adultOnly"] for edge in data["products"]["edges"]] == [True]
