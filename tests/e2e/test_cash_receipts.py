"""현금영수증 in the browser (DESIGN.md, "Cash receipts (현금영수증) and adult verification").

The buyer chooses 소득공제 with a phone number on the checkout (sent with createOrder), pays into a
virtual account through the sandbox panel, deposits at the emulator; the backend issues the receipt
through the SDK and 내 주문 shows it, masked. A buyer who asked for none requests one on 내 주문 after
payment, then changes it (the server cancels it and issues a new one). Checked in the page and at the
emulator (never the full number in the page).
"""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.pages import (
    CASH_RECEIPT_BUSINESS_LABEL,
    CASH_RECEIPT_EXPENSE,
    CASH_RECEIPT_INCOME,
    CASH_RECEIPT_PHONE_LABEL,
    ORDER_NEXT,
    VBANK,
    VBANK_HEADING,
    add_to_cart,
    cart,
    choose_and_pay,
    graphql_call,
    log_in,
    order_article,
    won,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_TYPED = "010-9876-5432"  # as a buyer types it; the page sends the digits
PHONE = "01098765432"
BUSINESS_TYPED = "124-81-00998"  # a real, published registration number (valid check digit)
BUSINESS = "1248100998"
ISSUED = "발급 완료"


def receipt_section(page, order_id: str):
    """The 현금영수증 part of an order's card on 내 주문."""
    return order_article(page, order_id).get_by_role("region", name="현금영수증")


def wait_for_issued(page, order_id: str, approval_no: str) -> None:
    """Reload 내 주문 until the order shows the receipt issued with `approval_no` (issuing may trail the
    webhook's answer by a moment)."""
    for _ in range(10):
        page.reload()
        section = receipt_section(page, order_id)
        expect(section).to_be_visible()
        if approval_no in (section.text_content() or ""):
            break
        page.wait_for_timeout(500)
    expect(receipt_section(page, order_id)).to_contain_text(approval_no)


def assert_never_in_page(page, *numbers: str) -> None:
    content = page.content()
    for number in numbers:
        assert number not in content, f"the full identifier {number} is in the page"


def test_virtual_account_with_income_deduction_receipt(page, shop, catalogue, buyer, emulator):
    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/")
    add_to_cart(page, catalogue.keyboard.name)
    add_to_cart(page, catalogue.mouse.name)
    cart(page).get_by_role("button", name="주문하기").click()
    expect(page).to_have_url(re.compile(r"/checkout/"))

    # The 현금영수증 section comes before the order: the method is chosen later, in the payment window.
    section = page.get_by_role("group", name="현금영수증", exact=True)
    expect(section).to_contain_text("가상계좌·계좌이체")
    expect(section).to_contain_text("010-000-1234")  # the 자진발급 note
    section.get_by_role("radio", name=CASH_RECEIPT_INCOME, exact=True).check()
    number = page.get_by_label(CASH_RECEIPT_PHONE_LABEL)
    expect(number).to_have_attribute("inputmode", "tel")

    # A landline is no 소득공제 number: refused in the page, no order made.
    number.fill("02-123-4567")
    page.get_by_role("button", name=ORDER_NEXT).click()
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_be_focused()
    assert not Order.objects.filter(buyer=buyer).exists()

    number.fill(PHONE_TYPED)
    with graphql_call(page, "CreateOrder") as created:
        page.get_by_role("button", name=ORDER_NEXT).click()
    sent = created.value.request.post_data_json["variables"]["input"]
    assert sent["cashReceipt"] == {"type": "income_deduction", "identifier": PHONE}
    expect(page.get_by_text("결제 금액").first).to_be_visible()
    order = Order.objects.get(buyer=buyer)
    assert order.total_amount == 30_000
    chosen = page.get_by_role("region", name="현금영수증")
    expect(chosen).to_contain_text(CASH_RECEIPT_INCOME)
    expect(chosen).to_contain_text("5432")

    choose_and_pay(page, VBANK)
    expect(page.get_by_role("heading", name=VBANK_HEADING)).to_be_visible()
    receipt = emulator.only_receipt(order.order_id)
    assert emulator.cash_receipts(order.order_id) == [], "a cash receipt before the money arrived"
    page.goto(shop + "/orders/")
    waiting = receipt_section(page, order.order_id)
    expect(waiting).to_contain_text(CASH_RECEIPT_INCOME)
    expect(waiting).to_contain_text("발급 대기")
    expect(waiting.get_by_role("button", name="현금영수증 변경")).to_have_count(0)  # not paid yet

    # The buyer pays into the account; Bootpay notifies us; the backend issues the receipt.
    emulator.deposit(receipt["receipt_id"])
    assert emulator.webhook(receipt["receipt_id"], shop + "/api/v1/webhooks/bootpay/")["delivered"]

    page.goto(shop + "/orders/")
    expect(receipt_section(page, order.order_id)).to_be_visible()
    held = [r for r in emulator.cash_receipts(order.order_id) if r["status"] == "live"]
    for _ in range(10):
        if held:
            break
        page.wait_for_timeout(500)
        held = [r for r in emulator.cash_receipts(order.order_id) if r["status"] == "live"]
    assert len(held) == 1, f"expected one live cash receipt at the emulator, it has {held}"
    issued = held[0]
    assert issued["cash_receipt_type"] in ("소득공제", 1, "1")
    assert issued["identifier_last4"] == "5432"
    assert issued["price"] == order.total_amount

    wait_for_issued(page, order.order_id, issued["tid"])
    shown = receipt_section(page, order.order_id)
    expect(shown).to_contain_text(CASH_RECEIPT_INCOME)
    expect(shown).to_contain_text(ISSUED)
    expect(shown).to_contain_text(won(order.total_amount))
    expect(shown).to_contain_text("5432")
    assert_never_in_page(page, PHONE, PHONE_TYPED)
    expect(order_article(page, order.order_id)).to_contain_text("결제 완료")


def test_request_then_change_a_receipt_on_my_orders(page, shop, catalogue, buyer, emulator, paid_order):
    order = paid_order(catalogue.keyboard, vbank=True)  # paid into a virtual account, no receipt asked for
    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/orders/")
    section = receipt_section(page, order.order_id)
    expect(section).to_contain_text("신청하지 않았습니다")

    section.get_by_role("button", name="현금영수증 신청").click()
    form = section.get_by_role("form", name="현금영수증 신청")
    form.get_by_role("radio", name=CASH_RECEIPT_EXPENSE, exact=True).check()
    number = form.get_by_label(CASH_RECEIPT_BUSINESS_LABEL)
    expect(number).to_have_attribute("inputmode", "numeric")
    number.fill("124-81-00997")  # wrong check digit: refused in the page
    form.get_by_role("button", name="신청하기").click()
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("올바른 사업자등록번호가 아닙니다")
    assert emulator.cash_receipts(order.order_id) == []

    number.fill(BUSINESS_TYPED)
    with graphql_call(page, "RequestCashReceipt") as requested:
        form.get_by_role("button", name="신청하기").click()
    assert requested.value.request.post_data_json["variables"] == {
        "orderId": order.order_id,
        "type": "expense_proof",
        "identifier": BUSINESS,
    }
    live = [r for r in emulator.cash_receipts(order.order_id) if r["status"] == "live"]
    assert len(live) == 1 and live[0]["identifier_last4"] == "0998"
    wait_for_issued(page, order.order_id, live[0]["tid"])
    expect(receipt_section(page, order.order_id)).to_contain_text(CASH_RECEIPT_EXPENSE)
    assert_never_in_page(page, BUSINESS, BUSINESS_TYPED)

    # Change it to 소득공제: the old one is cancelled, a new one issued.
    section = receipt_section(page, order.order_id)
    section.get_by_role("button", name="현금영수증 변경").click()
    form = section.get_by_role("form", name="현금영수증 변경")
    form.get_by_role("radio", name=CASH_RECEIPT_INCOME, exact=True).check()
    form.get_by_label(CASH_RECEIPT_PHONE_LABEL).fill(PHONE_TYPED)
    with graphql_call(page, "RequestCashReceipt"):
        form.get_by_role("button", name="변경하기").click()
    held = emulator.cash_receipts(order.order_id)
    live = [r for r in held if r["status"] == "live"]
    assert len(live) == 1 and live[0]["identifier_last4"] == "5432", held
    assert any(r["status"] == "cancelled" and r["identifier_last4"] == "0998" for r in held), held
    wait_for_issued(page, order.order_id, live[0]["tid"])
    expect(receipt_section(page, order.order_id)).to_contain_text(CASH_RECEIPT_INCOME)
    assert_never_in_page(page, PHONE, PHONE_TYPED)
