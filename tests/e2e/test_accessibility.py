"""axe on the shop's pages, each in the states a buyer or seller meets in the first hour: no serious or
critical violation (tests/e2e/axe.py). The page is checked after what it loads has arrived, with its forms,
their error states and the sandbox payment panel on screen."""

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.pages import (
    CASH_RECEIPT_INCOME,
    CASH_RECEIPT_NONE,
    CASH_RECEIPT_PHONE_LABEL,
    ORDER_NEXT,
    add_to_cart,
    cart,
    log_in,
    nav,
    order_article,
    pay_button,
    product_card,
    sandbox_panel,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_shop_with_a_cart(page, shop, catalogue):
    page.goto(shop + "/")
    expect(product_card(page, catalogue.tea.name)).to_be_visible()
    assert_accessible(page, "the shop, empty cart")

    add_to_cart(page, catalogue.keyboard.name)
    add_to_cart(page, catalogue.tea.name)
    expect(cart(page).get_by_role("button", name="주문하기")).to_be_enabled()
    assert_accessible(page, "the shop, two sellers in the cart")


def test_the_checkout_steps(page, shop, catalogue, buyer):
    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/")
    add_to_cart(page, catalogue.keyboard.name)
    cart(page).get_by_role("button", name="주문하기").click()

    # 현금영수증 first, with a wrong number's message under its field.
    page.get_by_role("radio", name=CASH_RECEIPT_INCOME).check()
    page.get_by_label(CASH_RECEIPT_PHONE_LABEL).fill("12")
    page.get_by_role("button", name=ORDER_NEXT).click()
    expect(page.get_by_label(CASH_RECEIPT_PHONE_LABEL)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the checkout's 현금영수증 step, a wrong number")

    page.get_by_role("radio", name=CASH_RECEIPT_NONE).check()
    page.get_by_role("button", name=ORDER_NEXT).click()
    expect(sandbox_panel(page)).to_be_visible()
    expect(pay_button(page)).to_be_visible()
    assert_accessible(page, "the checkout's payment step (TEST PAYMENT panel)")


def test_my_orders_with_a_refund_account_form(page, shop, catalogue, buyer, paid_order, new_order):
    deposited = paid_order(catalogue.keyboard, catalogue.tea, vbank=True)
    paid_order(catalogue.mouse)
    new_order(catalogue.keyboard)
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="내 주문").click()

    article = order_article(page, deposited.order_id)
    account = article.get_by_role("group", name="환불 받을 계좌")
    expect(account).to_be_visible()
    assert_accessible(page, "내 주문")

    # A virtual account is refunded whole (its PG takes no partial cancel: the note says so); the refund
    # account's problems, each under its field.
    expect(article.get_by_role("note")).to_be_visible()
    article.get_by_label("환불 사유").fill("단순 변심")
    article.get_by_role("button", name="전체 환불 요청").click()
    expect(account.get_by_label("환불 은행")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "내 주문, the refund account's errors shown")


def test_the_seller_page_with_several_orders_of_one_product(page, shop, catalogue, paid_order):
    paid_order(catalogue.keyboard, catalogue.mouse)
    paid_order(catalogue.keyboard)
    log_in(page, catalogue.seller_a.user.username, base_url=shop)
    nav(page).get_by_role("link", name="판매자").click()
    expect(page.get_by_role("button", name=f"발송 처리: {catalogue.keyboard.name}")).to_have_count(2)

    found = assert_accessible(page, "the seller page")
    # Moderate, so not caught above: two ship forms of the same product were one landmark name twice.
    assert "landmark-unique" not in {violation["id"] for violation in found}


def test_the_notification_settings_with_a_wrong_number(page, shop, buyer):
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="알림 설정").click()
    expect(page.get_by_role("group", name="알림 언어")).to_be_visible()
    assert_accessible(page, "알림 설정")

    page.get_by_label("새 휴대폰 번호").fill("12345")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_label("새 휴대폰 번호")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "알림 설정, a wrong 알림톡 number")
