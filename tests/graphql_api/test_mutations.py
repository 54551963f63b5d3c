"""Every mutation over HTTP: the happy path and each typed error, with REST's codes."""

import base64

import pytest

from orders.models import Order, Product
from payments.models import Payment
from payments.services import payment_verify

pytestmark = pytest.mark.django_db

PAYLOAD_FIELDS = """
  __typename
  ... on Error { code message }
  ... on OperationError { details }
  ... on InputError { fields { field messages } }
"""

CREATE_ORDER = f"""mutation($items: [OrderLineInput!]!) {{
  createOrder(input: {{items: $items}}) {{
    ... on CreateOrderSuccess {{
      order {{ orderId status totalAmount taxFreeAmount items {{ quantity unitPrice }} }}
    }}
    {PAYLOAD_FIELDS}
  }}
}}"""

VERIFY = f"""mutation($o: String!, $r: String!) {{
  verifyPayment(orderId: $o, receiptId: $r) {{
    ... on VerifyPaymentSuccess {{ payment {{ paymentId status amount }} }}
    {PAYLOAD_FIELDS}
  }}
}}"""

CONFIRM = f"""mutation($p: ID!) {{
  confirmPayment(paymentId: $p) {{
    ... on ConfirmPaymentSuccess {{ payment {{ status }} }}
    {PAYLOAD_FIELDS}
  }}
}}"""

CANCEL = f"""mutation($p: ID!, $amount: Int, $items: [ID!], $key: String!) {{
  cancelPayment(paymentId: $p, reason: "test", amount: $amount, itemIds: $items, idempotencyKey: $key) {{
    ... on CancelPaymentSuccess {{
      cancellation {{ cancelId amount state }} payment {{ cancelledAmount status }}
    }}
    {PAYLOAD_FIELDS}
  }}
}}"""


def product_gid(product: Product) -> str:
    return base64.b64encode(f"Product:{product.pk}".encode()).decode()


def test_create_order(gql_for, buyer, make_product):
    coffee, book = make_product(price=18_000, stock=3), make_product(price=15_000, is_tax_free=True)

    result = gql_for(buyer)(
        CREATE_ORDER,
        {
            "items": [
                {"productId": product_gid(coffee), "quantity": 2},
                {"productId": product_gid(book), "quantity": 1},
            ]
        },
    )["createOrder"]

    assert result["__typename"] == "CreateOrderSuccess"
    assert (result["order"]["totalAmount"], result["order"]["taxFreeAmount"]) == (51_000, 15_000)
    assert Product.objects.get(pk=coffee.pk).stock == 1


@pytest.mark.parametrize(
    ("items", "typename", "code"),
    [
        (lambda p: [{"productId": product_gid(p), "quantity": 99}], "OperationError", "insufficient_stock"),
        (lambda p: [{"productId": product_gid(p), "quantity": 0}], "InputError", "validation_error"),
        (lambda p: [], "InputError", "validation_error"),
        (
            lambda p: [{"productId": base64.b64encode(b"Seller:1").decode(), "quantity": 1}],
            "InputError",
            "validation_error",
        ),
        (
            lambda p: [{"productId": base64.b64encode(b"Product:999999").decode(), "quantity": 1}],
            "OperationError",
            "product_not_found",
        ),
    ],
)
def test_create_order_errors(gql_for, buyer, make_product, items, typename, code):
    product = make_product(stock=5)

    result = gql_for(buyer)(CREATE_ORDER, {"items": items(product)})["createOrder"]

    assert (result["__typename"], result["code"]) == (typename, code)
    assert Product.objects.get(pk=product.pk).stock == 5


def test_create_order_above_the_total_cap_is_an_input_error_and_reserves_nothing(
    gql_for, buyer, make_product
):
    # 3,000,000,000 won does not fit GraphQL's Int: before the cap the order was created (stock reserved)
    # and createOrder answered "Unexpected error." serializing its total.
    bulk = make_product(price=1_000_000_000, stock=10)

    result = gql_for(buyer)(CREATE_ORDER, {"items": [{"productId": product_gid(bulk), "quantity": 3}]})

    payload = result["createOrder"]
    assert (payload["__typename"], payload["code"]) == ("InputError", "validation_error")
    assert [field["field"] for field in payload["fields"]] == ["items"]
    assert Product.objects.get(pk=bulk.pk).stock == 10 and Order.objects.count() == 0


def test_create_order_needs_a_signed_in_user(gql_for, make_product):
    result = gql_for()(CREATE_ORDER, {"items": [{"productId": product_gid(make_product()), "quantity": 1}]})
    assert result["createOrder"]["code"] == "not_authenticated"


def test_verify_payment(gql_for, buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000,))

    result = gql_for(buyer)(VERIFY, {"o": order.order_id, "r": pay_at_pg(order)})["verifyPayment"]

    assert result["__typename"] == "VerifyPaymentSuccess"
    assert (result["payment"]["status"], result["payment"]["amount"]) == ("paid", 12_000)


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda order, pay, buyer: pay(order, price=1), "amount_mismatch"),
        (lambda order, pay, buyer: pay(order, order_id="ord_other"), "receipt_order_mismatch"),
        (lambda order, pay, buyer: "no/such/receipt", "validation_error"),
        (lambda order, pay, buyer: _already_used(order, pay, buyer), "receipt_already_used"),
        (lambda order, pay, buyer: _paid_twice(order, pay, buyer), "order_not_payable"),
    ],
)
def test_verify_payment_errors(gql_for, buyer, make_order, pay_at_pg, setup, code):
    order = make_order()
    receipt_id = setup(order, pay_at_pg, buyer)

    result = gql_for(buyer)(VERIFY, {"o": order.order_id, "r": receipt_id})["verifyPayment"]

    assert result["code"] == code


def _already_used(order, pay, buyer):
    other = Order.objects.create(
        buyer=buyer, order_name="x", total_amount=order.total_amount, expires_at=order.expires_at
    )
    receipt_id = pay(other)
    payment_verify(order_id=other.order_id, receipt_id=receipt_id, actor=buyer)
    return receipt_id


def _paid_twice(order, pay, buyer):
    payment_verify(order_id=order.order_id, receipt_id=pay(order), actor=buyer)
    return pay(order)


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"mode": "status_500"}, "gateway_unavailable"),
        ({"mode": "error_code", "error_code": "X"}, "gateway_error"),
    ],
)
def test_verify_payment_gateway_errors(gql_for, buyer, make_order, pay_at_pg, bootpay, fault, code):
    order = make_order()
    receipt_id = pay_at_pg(order)
    bootpay.state.add_fault(path="receipt", **fault)

    assert gql_for(buyer)(VERIFY, {"o": order.order_id, "r": receipt_id})["verifyPayment"]["code"] == code


def test_confirm_payment(gql_for, buyer, make_order, pay_at_pg):
    order = make_order()
    payment = payment_verify(
        order_id=order.order_id, receipt_id=pay_at_pg(order, state="awaiting_confirm"), actor=buyer
    )
    client = gql_for(buyer)

    assert client(CONFIRM, {"p": payment.public_id})["confirmPayment"]["payment"]["status"] == "paid"
    Payment.objects.filter(pk=payment.pk).update(status="partially_cancelled")
    assert client(CONFIRM, {"p": payment.public_id})["confirmPayment"]["code"] == "payment_not_confirmable"
    assert client(CONFIRM, {"p": "pay_nope"})["confirmPayment"]["code"] == "payment_not_found"


def test_cancel_payment_partial_idempotent_and_over_balance(
    gql_for, buyer, make_user, make_order, pay_at_pg, bootpay
):
    order = make_order(prices=(10_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    staff = gql_for(make_user("ops", is_staff=True))

    first = staff(CANCEL, {"p": payment.public_id, "amount": 4_000, "key": "k1"})["cancelPayment"]
    retry = staff(CANCEL, {"p": payment.public_id, "amount": 4_000, "key": "k1"})["cancelPayment"]
    over = staff(CANCEL, {"p": payment.public_id, "amount": 6_001, "key": "k2"})["cancelPayment"]

    assert first["cancellation"]["state"] == "succeeded"
    assert first["payment"] == {"cancelledAmount": 4_000, "status": "partially_cancelled"}
    assert retry["cancellation"]["cancelId"] == first["cancellation"]["cancelId"]
    assert bootpay.state.call_count("POST", "cancel") == 1
    assert over["code"] == "cancel_exceeds_balance"


def test_cancel_payment_permission_and_input_errors(gql_for, buyer, make_user, make_order, pay_at_pg):
    order = make_order(prices=(10_000,))
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    client = gql_for(buyer)

    assert client(CANCEL, {"p": payment.public_id, "amount": 100, "key": "k"})["cancelPayment"]["code"] == (
        "permission_denied"
    )
    assert client(CANCEL, {"p": payment.public_id, "items": ["x"], "key": "k"})["cancelPayment"]["code"] == (
        "validation_error"
    )
    assert client(CANCEL, {"p": payment.public_id, "key": ""})["cancelPayment"]["__typename"] == "InputError"
    stranger = gql_for(make_user("stranger"))
    assert (
        stranger(CANCEL, {"p": payment.public_id, "key": "k"})["cancelPayment"]["code"] == "payment_not_found"
    )


def test_a_seller_cancels_its_lines_without_seeing_the_payment(
    gql_for, buyer, make_seller, make_product, pay_at_pg
):
    from orders.services import OrderLine, order_create

    shop = make_seller("shop")
    order = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=shop, price=5_000).pk, 1)])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    result = gql_for(shop.user)(CANCEL, {"p": payment.public_id, "key": "k"})["cancelPayment"]

    assert result["cancellation"]["amount"] == 5_000 and result["payment"] is None


def test_token_login_and_logout(gql_for, make_user):
    make_user("mobile")
    anonymous = gql_for()

    token = anonymous(
        'mutation { obtainToken(username: "mobile", password: "pw-123456") { '
        "... on TokenSuccess { token } ... on Error { code } } }"
    )["obtainToken"]
    wrong = anonymous(
        'mutation { obtainToken(username: "mobile", password: "nope") { '
        "... on TokenSuccess { token } ... on Error { code } } }"
    )["obtainToken"]

    assert len(token["token"]) == 40 and wrong == {"code": "not_authenticated"}


def test_session_login_then_csrf_protected_mutations(client, make_user, make_product):
    """The SPA: login sets the session cookie; later mutations must carry the CSRF token."""
    from django.middleware.csrf import _get_new_csrf_string

    make_user("spa")
    client.handler.enforce_csrf_checks = True
    login = client.post(
        "/graphql/",
        {"query": 'mutation { login(username: "spa", password: "pw-123456") { __typename } }'},
        content_type="application/json",
    )
    assert login.json()["data"]["login"]["__typename"] == "LoginSuccess"
    create = {
        "query": CREATE_ORDER,
        "variables": {"items": [{"productId": product_gid(make_product()), "quantity": 1}]},
    }

    refused = client.post("/graphql/", create, content_type="application/json")
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    accepted = client.post("/graphql/", create, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    me = client.post(
        "/graphql/", {"query": "{ me { username } }"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    logout = client.post(
        "/graphql/",
        {"query": "mutation { logout { ok } }"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert (
        refused.status_code == 403
        and refused.json()["errors"][0]["extensions"]["code"] == "permission_denied"
    )
    assert accepted.json()["data"]["createOrder"]["__typename"] == "CreateOrderSuccess"
    assert me.json()["data"]["me"] == {"username": "spa"}
    assert logout.json()["data"]["logout"] == {"ok": True}


def test_a_bad_token_is_refused(client):
    response = client.post(
        "/graphql/",
        {"query": "{ me { username } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token not-a-real-token",
    )
    assert (
        response.status_code == 401
        and response.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
    )


def test_mark_item_shipped(gql_for, buyer, make_seller, make_product, pay_at_pg):
    from orders.services import OrderLine, order_create

    shop = make_seller("ship")
    order = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=shop).pk, 1)])
    line = order.items.get()
    query = """mutation($o: String!, $i: ID!) { markItemShipped(orderId: $o, itemId: $i) {
        ... on MarkItemShippedSuccess { item { id shipped } } ... on Error { code } } }"""
    variables = {"o": order.order_id, "i": str(line.pk)}

    unpaid = gql_for(shop.user)(query, variables)["markItemShipped"]
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    by_buyer = gql_for(buyer)(query, variables)["markItemShipped"]
    shipped = gql_for(shop.user)(query, variables)["markItemShipped"]

    assert unpaid == {"code": "validation_error"} and by_buyer == {"code": "permission_denied"}
    assert shipped == {"item": {"id": str(line.pk), "shipped": True}}


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
