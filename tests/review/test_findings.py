"""Adversarial review of issue 10 (Celery, seams, admin, ops): each test fails on the defect it names."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import tasks as order_tasks
from orders.models import Order, Product
from orders.services import OrderLine, order_create
from payments.models import Payment


@pytest.mark.django_db
def test_expiry_is_not_starved_by_overdue_orders_whose_virtual_account_awaits_deposit(buyer, make_product):
    # given more overdue orders with a virtual account awaiting deposit (left alone by design) than one
    # batch holds, all older than an abandoned order that should expire
    for n in range(3):
        product = make_product(stock=5)
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=2, minutes=n))
        Payment.objects.create(
            order=order, receipt_id=f"{n:024d}", status="awaiting_deposit", amount=order.total_amount
        )
    product = make_product(stock=5)
    abandoned = order_create(buyer=buyer, lines=[OrderLine(product.pk, 2)])
    Order.objects.filter(pk=abandoned.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    # when the beat's task runs (twice, even) with a batch smaller than the virtual accounts
    order_tasks.expire_unpaid_orders.delay(batch_size=2)
    order_tasks.expire_unpaid_orders.delay(batch_size=2)

    # then the abandoned order expires and its stock returns
    assert Order.objects.get(pk=abandoned.pk).status == Order.Status.EXPIRED
    assert Product.objects.get(pk=product.pk).stock == 5


# --- GraphQL: the field an InputError names is the argument the client sent ----------------------------

CANCEL_KEY = """mutation($p: ID!, $key: String!) {
  cancelPayment(paymentId: $p, reason: "test", idempotencyKey: $key) {
    __typename ... on InputError { code fields { field messages } }
  }
}"""


@pytest.mark.django_db
def test_graphql_names_the_idempotency_key_argument_it_refuses(buyer, make_order, pay_at_pg):
    from payments.services import payment_verify
    from tests.graphql_api.conftest import GraphQLClient as gql_for

    order = make_order()
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    result = gql_for(buyer)(CANCEL_KEY, {"p": payment.public_id, "key": "k" * 101})["cancelPayment"]

    assert result["__typename"] == "InputError"
    # before the services took the check over, GraphQL answered `idempotencyKey`, its own argument's name;
    # `Idempotency-Key` is REST's header, which a GraphQL client never sent
    assert [f["field"] for f in result["fields"]] == ["idempotencyKey"]


# --- Request ids: nothing but the accepted characters ---------------------------------------------------


def test_a_request_id_with_a_trailing_newline_is_replaced_not_accepted():
    from config.request_id import valid_request_id

    assert valid_request_id("abc\n") is None  # `$` matches before a final newline


@pytest.mark.django_db
def test_a_request_id_with_a_trailing_newline_never_makes_a_500(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/checkout/config/", HTTP_X_REQUEST_ID="abc\n")

    assert response.status_code == 200
    assert "\n" not in response["X-Request-ID"]


# --- Redaction ------------------------------------------------------------------------------------------


def test_a_multi_word_secret_in_text_is_redacted_whole():
    from config.logs import redact_text

    line = redact_text("refund={'bank_username': '주식회사 마켓', 'password': 'correct horse battery'}")

    assert "마켓" not in line and "horse" not in line, line


def test_refund_accounts_spelled_as_graphql_spells_them_are_redacted():
    from config.logs import redact

    logged = redact(
        {"refundAccount": {"bankCode": "004", "bankAccount": "110123456789", "bankUsername": "홍길동"}}
    )

    assert "110123456789" not in str(logged) and "홍길동" not in str(logged), logged
