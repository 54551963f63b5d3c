"""Paying in the browser: the shop, the checkout page and its sandbox panel, against the emulator.

Each test checks what the page says, what our database holds and what the emulator (Bootpay) holds.
"""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from payments.models import Cancellation, Payment, WebhookDelivery
from tests.e2e.pages import (
    AMOUNT_MISMATCH_TEXT,
    CARD,
    CARD_SEPARATE,
    CASH_RECEIPT_NONE,
    CLOSE,
    CLOSED_TEXT,
    FAILED,
    ORDER_NEXT,
    PAID_HEADING,
    TAMPERED,
    VBANK,
    VBANK_HEADING,
    add_to_cart,
    alert_text,
    cart,
    choose_and_pay,
    log_in,
    nav,
    order_article,
    pay_button,
    product_card,
    status_text,
    won,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK_PATH = "/api/v1/webhooks/bootpay/"

STATUS_PAID = 1
STATUS_VBANK_ISSUED = 5
STATUS_CANCELLED = 20
STATUS_FAILED = -2


def open_checkout(page, shop, order: Order, username: str = "buyer") -> None:
    """Sign in and resume an unpaid order at /checkout/?order=<id>."""
    log_in(page, username, base_url=shop)
    page.goto(f"{shop}/checkout/?order={order.order_id}")
    expect(page.get_by_text(order.order_id).first).to_be_visible()
    expect(page.get_by_text(won(order.total_amount)).first).to_be_visible()


def assert_paid(order: Order, emulator) -> Payment:
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = order.payments.get()
    assert payment.status == Payment.Status.PAID
    assert payment.amount == order.total_amount
    receipt = emulator.receipt(payment.receipt_id)
    assert receipt["order_id"] == order.order_id
    assert receipt["status"] == STATUS_PAID
    assert (receipt["price"], receipt["tax_free"]) == (order.total_amount, order.tax_free_amount)
    assert receipt["cancelled_price"] == 0
    return payment


def test_card_payment_from_the_shop(page, shop, catalogue, buyer, emulator):
    page.goto(shop + "/")
    keyboard = product_card(page, catalogue.keyboard.name)
    expect(keyboard).to_contain_text(won(18_000))
    expect(keyboard).to_contain_text("재고 50개")
    expect(keyboard).to_contain_text(catalogue.seller_a.name)
    add_to_cart(page, catalogue.keyboard.name)
    add_to_cart(page, catalogue.tea.name)
    expect(cart(page)).to_contain_text(catalogue.seller_a.name)
    expect(cart(page)).to_contain_text(catalogue.seller_b.name)

    cart(page).get_by_role("button", name="주문하기").click()
    # Signed out: the app sends the buyer to the login page first (and back to the checkout after).
    login_field = page.get_by_label("아이디")
    expect(login_field.or_(page.get_by_text("결제 금액").first)).to_be_visible()
    assert login_field.is_visible(), "an anonymous buyer reached the checkout without signing in"
    log_in(page, buyer.username)
    expect(page).to_have_url(re.compile(r"/checkout/"))
    # From the cart the checkout first asks about 현금영수증 (신청 안 함 chosen), then creates the order.
    assert not Order.objects.filter(buyer=buyer).exists()
    expect(page.get_by_role("radio", name=CASH_RECEIPT_NONE)).to_be_checked()
    page.get_by_role("button", name=ORDER_NEXT).click()
    expect(page.get_by_text("결제 금액").first).to_be_visible()
    expect(page.get_by_text(won(43_000)).first).to_be_visible()
    expect(page.get_by_text("면세 금액").first).to_be_visible()
    expect(page.get_by_text(won(25_000)).first).to_be_visible()
    expect(page.locator("#bootpay-widget")).to_be_attached()

    order = Order.objects.get(buyer=buyer)
    assert (order.total_amount, order.tax_free_amount) == (43_000, 25_000)
    assert {(i.product_name, i.quantity) for i in order.items.all()} == {("무선 키보드", 1), ("제주 녹차", 1)}
    expect(page.get_by_text(order.order_id).first).to_be_visible()
    expect(page.get_by_role("button", name="결제하기", exact=True)).to_be_disabled()

    choose_and_pay(page, CARD)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    assert_paid(order, emulator)


def test_card_with_separate_approval(page, shop, catalogue, new_order, emulator, bootpay):
    order = new_order(catalogue.keyboard)
    open_checkout(page, shop, order)

    choose_and_pay(page, CARD_SEPARATE)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    payment = assert_paid(order, emulator)
    assert bootpay.state.call_count("POST", "confirm") == 1
    assert emulator.calls().get("POST confirm") == 1
    # Verified while Bootpay waited for our approval, then paid once the server confirmed it.
    assert payment.events.filter(kind="verified", to_status="awaiting_confirm").exists()
    assert payment.events.filter(from_status="awaiting_confirm", to_status="paid").exists()


def test_virtual_account_then_deposit_webhook(page, shop, catalogue, new_order, emulator):
    order = new_order(catalogue.keyboard, catalogue.mouse)
    open_checkout(page, shop, order)

    choose_and_pay(page, VBANK)
    expect(page.get_by_role("heading", name=VBANK_HEADING)).to_be_visible()
    receipt = emulator.only_receipt(order.order_id)
    vbank = receipt["vbank_data"]
    for shown in (vbank["bank_name"], vbank["bank_account"], vbank["bank_username"]):
        expect(page.get_by_text(shown).first).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.payments.get().status == Payment.Status.AWAITING_DEPOSIT

    page.goto(shop + "/orders/")
    expect(order_article(page, order.order_id)).to_contain_text("입금 대기")

    # The buyer pays into the account; Bootpay notifies us.
    emulator.deposit(receipt["receipt_id"])
    delivery = emulator.webhook(receipt["receipt_id"], shop + "/api/v1/webhooks/bootpay/")
    assert delivery, "the emulator delivered no webhook"

    page.reload()
    expect(order_article(page, order.order_id)).to_contain_text("결제 완료")
    assert_paid(order, emulator)


def test_virtual_account_deposit_pays_the_order_with_no_manual_webhook(
    page, shop, catalogue, new_order, emulator
):
    # As `make run` starts it: the emulator notifies our webhook endpoint by itself, like Bootpay.
    emulator.notify(shop + WEBHOOK_PATH)
    order = new_order(catalogue.keyboard, catalogue.tea)
    open_checkout(page, shop, order)

    choose_and_pay(page, VBANK)
    expect(page.get_by_role("heading", name=VBANK_HEADING)).to_be_visible()
    receipt = emulator.only_receipt(order.order_id)
    emulator.wait_delivered(receipt["receipt_id"], STATUS_VBANK_ISSUED)
    page.goto(shop + "/orders/")
    expect(order_article(page, order.order_id)).to_contain_text("입금 대기")

    # The buyer pays into the account, through the emulator's control API as a developer would.
    emulator.deposit(receipt["receipt_id"])

    emulator.wait_delivered(receipt["receipt_id"], STATUS_PAID)
    page.reload()
    expect(order_article(page, order.order_id)).to_contain_text("결제 완료")
    assert_paid(order, emulator)
    # Both notices came from the emulator itself: issued (5), then paid (1); nobody sent one by hand.
    notices = [(n["status"], n["webhook_type"]) for n in emulator.notifications()]
    assert notices == [(5, "PAYMENT_VIRTUAL_ACCOUNT_ISSUED"), (1, "PAYMENT_COMPLETED")]
    assert WebhookDelivery.objects.filter(receipt_id=receipt["receipt_id"]).count() == 2


def test_tampered_amount_is_refused_and_refunded(page, shop, catalogue, new_order, emulator):
    order = new_order(catalogue.keyboard)
    open_checkout(page, shop, order)

    choose_and_pay(page, TAMPERED)
    expect(alert_text(page, AMOUNT_MISMATCH_TEXT)).to_be_visible()

    receipt = emulator.only_receipt(order.order_id)
    assert receipt["price"] != order.total_amount
    assert receipt["status"] == STATUS_CANCELLED
    assert receipt["cancelled_price"] == receipt["price"]
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.is_payable
    payment = order.payments.get()
    assert payment.status == Payment.Status.FAILED
    refund = Cancellation.objects.get(payment=payment)
    assert (refund.state, refund.amount) == (Cancellation.State.SUCCEEDED, receipt["price"])


def test_closed_window_then_pay_again(page, shop, catalogue, new_order, emulator):
    order = new_order(catalogue.tea)
    open_checkout(page, shop, order)

    choose_and_pay(page, CLOSE)
    expect(status_text(page, CLOSED_TEXT)).to_be_visible()
    expect(pay_button(page)).to_be_enabled()  # payable again at once, without choosing the method again
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not order.payments.exists()
    assert emulator.receipts(order.order_id) == []

    choose_and_pay(page, CARD)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    assert_paid(order, emulator)


def test_failed_payment_leaves_the_order_payable(page, shop, catalogue, new_order, emulator):
    order = new_order(catalogue.mouse)
    open_checkout(page, shop, order)

    choose_and_pay(page, FAILED)
    expect(alert_text(page, "결제에 실패했습니다")).to_be_visible()
    receipt = emulator.only_receipt(order.order_id)
    assert receipt["status"] == STATUS_FAILED
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not order.payments.filter(status__in=Payment.LIVE_STATUSES).exists()

    choose_and_pay(page, CARD)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    paid = order.payments.get(status=Payment.Status.PAID)
    assert emulator.receipt(paid.receipt_id)["status"] == STATUS_PAID


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_mobile_redirect_return(page, shop, catalogue, new_order, emulator):
    order = new_order(catalogue.keyboard, catalogue.tea)
    open_checkout(page, shop, order)
    expect(nav(page)).to_be_visible()

    choose_and_pay(page, CARD)
    # On a phone Bootpay redirects instead of calling back: the app lands on /checkout/return?…
    expect(page).to_have_url(re.compile(r"/checkout/return\?"))
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()
    query = page.url.split("?", 1)[1]
    assert f"order_id={order.order_id}" in query
    assert "receipt_id=" in query
    payment = assert_paid(order, emulator)
    assert f"receipt_id={payment.receipt_id}" in query
