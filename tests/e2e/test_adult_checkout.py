"""An adult-only product in the browser: the 19세 이상 badge, the checkout's 성인 인증 step (the sandbox
stand-in for Bootpay's requestAuthentication, then verifyIdentity) and the order placed again afterwards.

Each test checks what the page says, what our database holds and what the emulator (Bootpay) holds
(docs/identity.md). Beyond the conftest's checks (uncaught errors, CSP, offline), the page must log no
console error at all: the refusal that opens the 성인 인증 step is an answer, not a failure.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Order, Product
from payments.identity.models import IdentityVerification
from payments.models import Payment
from tests.e2e.pages import (
    ADULT_BADGE,
    ADULT_REQUIRED_TEXT,
    CARD,
    MINOR_REFUSED_TEXT,
    ORDER_NEXT,
    PAID_HEADING,
    add_to_cart,
    adult_step,
    alert_text,
    cart,
    choose_and_pay,
    log_in,
    pay_button,
    product_card,
    sandbox_panel,
    verify_identity,
    won,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATUS_PAID = 1
CERTIFICATE_VERIFIED = 12
ADULT_STOCK = 5
ADULT_PRICE = 39_000


@pytest.fixture
def console_errors(page) -> list[str]:
    """Every console.error the page logs during the test (a failed request included); must stay empty."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.fixture
def adult_product(catalogue) -> Product:
    return Product.objects.create(
        seller=catalogue.seller_b,
        name="전통 증류주 세트",
        price=ADULT_PRICE,
        stock=ADULT_STOCK,
        adult_only=True,
    )


def identity_state(page, shop) -> dict:
    """GET /api/v1/identity/ as the signed-in buyer (the page's session cookie)."""
    answer = page.request.get(shop + "/api/v1/identity/")
    assert answer.ok, f"GET /api/v1/identity/ answered {answer.status}: {answer.text()}"
    return answer.json()


def checkout_reaches_the_adult_step(page, shop, product: Product, buyer) -> None:
    """Signed in, the adult-only product in the cart, 주문하기: refused, the 성인 인증 step opens."""
    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/")
    add_to_cart(page, product.name)
    cart(page).get_by_role("button", name="주문하기").click()
    expect(page).to_have_url(re.compile(r"/checkout/"))
    page.get_by_role("button", name=ORDER_NEXT).click()  # the cash-receipt step comes before the order
    expect(adult_step(page)).to_be_visible()
    expect(alert_text(page, ADULT_REQUIRED_TEXT)).to_be_visible()
    expect(pay_button(page)).to_be_hidden()
    # Refused before anything was reserved.
    assert not Order.objects.filter(buyer=buyer).exists()
    product.refresh_from_db()
    assert product.stock == ADULT_STOCK


def test_adult_verifies_then_orders_and_pays(page, shop, adult_product, buyer, emulator, console_errors):
    checkout_reaches_the_adult_step(page, shop, adult_product, buyer)
    assert identity_state(page, shop) == {
        "verified": False,
        "adult": False,
        "verified_at": None,
        "expires_at": None,
    }

    verify_identity(page)
    # Verified: the step goes away, the order is placed again and the payment widget comes up.
    expect(adult_step(page)).to_be_hidden()
    expect(sandbox_panel(page)).to_be_visible()
    expect(alert_text(page, ADULT_REQUIRED_TEXT)).to_have_count(0)
    expect(page.get_by_text(won(ADULT_PRICE)).first).to_be_visible()
    order = Order.objects.get(buyer=buyer)
    expect(page.get_by_text(order.order_id).first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/checkout/\?order={re.escape(order.order_id)}$"))
    assert [(i.product_id, i.quantity) for i in order.items.all()] == [(adult_product.pk, 1)]
    adult_product.refresh_from_db()
    assert adult_product.stock == ADULT_STOCK - 1

    state = identity_state(page, shop)
    assert (state["verified"], state["adult"]) == (True, True)
    assert state["verified_at"] and state["expires_at"]
    verification = IdentityVerification.objects.get(user=buyer)
    assert verification.adult
    certificate = emulator.certificate(verification.receipt_id)
    assert certificate["status"] == CERTIFICATE_VERIFIED
    assert int(certificate["authenticate_data"]["birth"][:4]) <= timezone.localdate().year - 19

    choose_and_pay(page, CARD)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = order.payments.get()
    assert (payment.status, payment.amount) == (Payment.Status.PAID, ADULT_PRICE)
    receipt = emulator.receipt(payment.receipt_id)
    assert (receipt["order_id"], receipt["status"], receipt["price"]) == (
        order.order_id,
        STATUS_PAID,
        ADULT_PRICE,
    )
    assert console_errors == []


def test_minor_is_refused_and_nothing_is_ordered(page, shop, adult_product, buyer, emulator, console_errors):
    checkout_reaches_the_adult_step(page, shop, adult_product, buyer)

    verify_identity(page, minor=True)
    expect(alert_text(page, MINOR_REFUSED_TEXT)).to_be_visible()
    expect(adult_step(page)).to_be_visible()  # still there: the order was not placed again
    expect(pay_button(page)).to_be_hidden()
    expect(sandbox_panel(page)).to_have_count(0)

    # The verification is stored (a minor's), but adult-only orders stay refused: nothing ordered, no stock.
    state = identity_state(page, shop)
    assert (state["verified"], state["adult"]) == (True, False)
    verification = IdentityVerification.objects.get(user=buyer)
    assert verification.adult is False
    assert int(emulator.certificate(verification.receipt_id)["authenticate_data"]["birth"][:4]) > (
        timezone.localdate().year - 19
    )
    assert not Order.objects.filter(buyer=buyer).exists()
    adult_product.refresh_from_db()
    assert adult_product.stock == ADULT_STOCK
    assert console_errors == []


def test_adult_only_badge_on_the_product_card(page, shop, catalogue, adult_product, console_errors):
    page.goto(shop + "/")
    card = product_card(page, adult_product.name)
    expect(card).to_contain_text(won(ADULT_PRICE))
    expect(card.get_by_text(ADULT_BADGE, exact=True)).to_be_visible()
    for other in (catalogue.keyboard, catalogue.mouse, catalogue.tea):
        expect(product_card(page, other.name)).to_be_visible()
        expect(product_card(page, other.name).get_by_text(ADULT_BADGE, exact=True)).to_have_count(0)
    assert console_errors == []
