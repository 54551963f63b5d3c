"""Who may do what with a payment, over HTTP: every role against every payment endpoint."""

import pytest

from orders.services import OrderLine, order_create
from payments.services import payment_verify

pytestmark = pytest.mark.django_db

# Payments are the buyer's (and staff's): everyone else is told "not found", anonymous "not authenticated".
OWNER_AND_STAFF_ONLY = [
    ("anonymous", 401),
    ("buyer", 200),
    ("other_buyer", 404),
    ("seller", 404),
    ("other_seller", 404),
    ("staff", 200),
]


@pytest.fixture
def world(make_user, make_seller, make_product, pay_at_pg):
    """One paid order from `buyer` with a line from `seller`; everyone else is a stranger to it."""
    seller = make_seller("seller-shop")
    other_seller = make_seller("other-shop")
    buyer = make_user("the-buyer")
    users = {
        "anonymous": None,
        "buyer": buyer,
        "other_buyer": make_user("other-buyer"),
        "seller": seller.user,
        "other_seller": other_seller.user,
        "staff": make_user("ops", is_staff=True),
    }
    product = make_product(seller=seller, price=9_000)
    make_product(seller=other_seller, price=1_000)

    def paid_payment(state="paid"):
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, state=state), actor=buyer)

    return users, paid_payment, buyer


def call(api_client_for, world, role, method, path_of, body=None, state="paid"):
    users, paid_payment, _ = world
    payment = paid_payment(state)
    client = api_client_for(users[role])
    response = getattr(client, method)(path_of(payment), body, format="json")
    return response, payment


def assert_no_leak(response, payment):
    text = response.content.decode()
    assert payment.receipt_id not in text and payment.order.order_id not in text


@pytest.mark.parametrize(("role", "status"), OWNER_AND_STAFF_ONLY)
def test_payment_detail(api_client_for, world, role, status):
    response, payment = call(api_client_for, world, role, "get", lambda p: f"/api/v1/payments/{p.public_id}/")
    assert response.status_code == status
    if status != 200:
        assert_no_leak(response, payment)
    if status == 404:
        assert response.json()["code"] == "payment_not_found"


@pytest.mark.parametrize(
    ("role", "status", "visible"),
    [
        ("anonymous", 401, 0),
        ("buyer", 200, 1),
        ("other_buyer", 200, 0),
        ("seller", 200, 0),
        ("other_seller", 200, 0),
        ("staff", 200, 1),
    ],
)
def test_payment_list(api_client_for, world, role, status, visible):
    response, payment = call(api_client_for, world, role, "get", lambda p: "/api/v1/payments/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == visible
    if not visible:
        assert_no_leak(response, payment)


@pytest.mark.parametrize(("role", "status"), OWNER_AND_STAFF_ONLY)
def test_payment_confirm(api_client_for, world, role, status):
    response, payment = call(
        api_client_for,
        world,
        role,
        "post",
        lambda p: f"/api/v1/payments/{p.public_id}/confirm/",
        state="awaiting_confirm",
    )
    assert response.status_code == status
    payment.refresh_from_db()
    assert payment.status == ("paid" if status == 200 else "awaiting_confirm")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("buyer", 200),
        ("other_buyer", 404),
        ("seller", 200),
        ("other_seller", 404),
        ("staff", 200),
    ],
)
def test_payment_cancel(api_client_for, world, role, status):
    response, payment = call(
        api_client_for,
        world,
        role,
        "post",
        lambda p: f"/api/v1/payments/{p.public_id}/cancel/",
        {"reason": "x"},
    )
    assert response.status_code == status
    payment.refresh_from_db()
    assert payment.cancelled_amount == (9_000 if status == 200 else 0)
    if status == 200:
        assert response.json()["cancellation"]["amount"] == 9_000
    if role in ("seller", "other_seller", "other_buyer", "anonymous"):  # a seller cancels but may not read
        assert_no_leak(response, payment)


@pytest.mark.parametrize(("role", "status"), OWNER_AND_STAFF_ONLY)
def test_payment_verify(api_client_for, world, pay_at_pg, role, status):
    users, _, buyer = world
    from orders.models import Product

    order = order_create(buyer=buyer, lines=[OrderLine(Product.objects.filter(price=9_000).get().pk, 1)])
    response = api_client_for(users[role]).post(
        "/api/v1/payments/verify/",
        {"order_id": order.order_id, "receipt_id": pay_at_pg(order)},
        format="json",
    )
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "order_not_found"
    order.refresh_from_db()
    assert order.status == ("paid" if status == 200 else "pending_payment")
