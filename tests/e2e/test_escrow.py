"""Escrow (구매안전) in the browser: the buyer pays an eligible order as escrow through the sandbox panel, the
seller ships a line with a courier and a tracking number (which registers the shipment with the PG), and the
buyer sees the shipment on 내 주문. Checked in the DB and at the emulator.
"""

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from orders.models import OrderItem
from payments.models import EscrowRegistration, Payment
from tests.e2e.pages import (
    CARD,
    PAID_HEADING,
    alert_text,
    choose_and_pay,
    graphql_call,
    log_in,
    nav,
    order_article,
    won,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ESCROW = "에스크로(구매안전) 결제"
COURIER = "CJ대한통운"
TRACKING_TYPED = "6543-2109-8765"  # as a seller pastes it; the form sends the digits
TRACKING = "654321098765"
SEOUL = ZoneInfo("Asia/Seoul")


def log_out(page) -> None:
    nav(page).get_by_role("button", name="로그아웃").click()
    expect(nav(page).get_by_role("link", name="로그인")).to_be_visible()


def open_checkout(page, shop, order) -> None:
    page.goto(f"{shop}/checkout/?order={order.order_id}")
    expect(page.get_by_text(order.order_id).first).to_be_visible()
    expect(page.get_by_text(won(order.total_amount)).first).to_be_visible()
    expect(page.get_by_role("group", name="TEST PAYMENT · 테스트 결제")).to_be_visible()


def test_escrow_checkout_ship_with_tracking_then_buyer_sees_it(
    page, shop, catalogue, buyer, new_order, emulator
):
    # Lines from two sellers: not escrow_eligible, so the checkout does not offer escrow.
    mixed = new_order(catalogue.keyboard, catalogue.tea)
    # Both lines from one seller: eligible.
    order = new_order(catalogue.keyboard, catalogue.mouse)
    log_in(page, buyer.username, base_url=shop)
    open_checkout(page, shop, mixed)
    expect(page.get_by_role("checkbox", name=ESCROW)).to_have_count(0)

    open_checkout(page, shop, order)
    escrow = page.get_by_role("checkbox", name=ESCROW)
    expect(escrow).to_be_visible()
    expect(escrow).not_to_be_checked()
    escrow.check()
    choose_and_pay(page, CARD)
    expect(page.get_by_role("heading", name=PAID_HEADING)).to_be_visible()

    payment = order.payments.get()
    receipt = emulator.receipt(payment.receipt_id)
    assert receipt["escrow_data"], "the sandbox panel did not ask the emulator for an escrow receipt"
    assert receipt["escrow_data"]["shipping_started_at"] is None
    # The server knows it is escrow from the receipt (never from the browser).
    assert (payment.status, payment.escrow) == (Payment.Status.PAID, True)

    # The seller ships the keyboard with a tracking number; the mouse waits.
    log_out(page)
    log_in(page, catalogue.seller_a.user.username, base_url=shop)
    nav(page).get_by_role("link", name="판매자").click()
    card = order_article(page, order.order_id)
    expect(card).to_contain_text(ESCROW)
    keyboard = order.items.get(product=catalogue.keyboard)
    mouse = order.items.get(product=catalogue.mouse)

    # An escrow payment cannot be shipped without them: the form says so, nothing is sent.
    card.get_by_role("button", name=f"발송 처리: {mouse.product_name}").click()
    expect(alert_text(page, "택배사와 송장번호")).to_be_visible()

    form = card.get_by_role("form", name=f"발송 정보: {keyboard.product_name}")
    form.get_by_label("택배사").select_option(COURIER)
    form.get_by_label("송장번호").fill(TRACKING_TYPED)
    with graphql_call(page, "markItemShipped"):
        form.get_by_role("button", name=f"발송 처리: {keyboard.product_name}").click()
    # Reloaded after the mutation: the line shows its shipment, the order the registration's state.
    expect(card.get_by_role("button", name=f"발송 처리: {keyboard.product_name}")).to_have_count(0)
    expect(card).to_contain_text(f"{COURIER} {TRACKING}")
    expect(card).to_contain_text("배송 등록: 등록 완료")
    expect(card.get_by_role("button", name=f"발송 처리: {mouse.product_name}")).to_be_visible()

    keyboard.refresh_from_db()
    assert (keyboard.shipped, keyboard.courier, keyboard.tracking_number) == (True, COURIER, TRACKING)
    assert keyboard.shipped_at is not None
    mouse.refresh_from_db()
    assert (mouse.shipped, mouse.courier, mouse.tracking_number) == (False, "", "")
    registration = EscrowRegistration.objects.get(payment=payment)
    assert (registration.state, registration.item_id) == (EscrowRegistration.State.SUCCEEDED, keyboard.pk)
    assert (registration.courier, registration.tracking_number) == (COURIER, TRACKING)
    assert emulator.receipt(payment.receipt_id)["escrow_data"]["shipping_started_at"]
    registrations = {k: n for k, n in emulator.calls().items() if k.startswith("PUT escrow/shipping/start")}
    assert sum(registrations.values()) == 1, registrations  # registered once, by the first shipment

    # The buyer sees courier, tracking number and shipped date on 내 주문.
    log_out(page)
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="내 주문").click()
    article = order_article(page, order.order_id)
    expect(article).to_contain_text(ESCROW)
    shipment = article.get_by_role("definition").filter(has_text=TRACKING)
    expect(shipment).to_be_visible()
    facts = article.get_by_label(f"배송 정보: {keyboard.product_name}")
    expect(facts).to_contain_text(f"택배사{COURIER}")
    expect(facts).to_contain_text(f"송장번호{TRACKING}")
    expect(facts).to_contain_text("발송일")
    expect(facts).to_contain_text(f"{keyboard.shipped_at.astimezone(SEOUL).year}.")
    expect(article.get_by_label(f"배송 정보: {mouse.product_name}")).to_have_count(0)
    assert OrderItem.objects.filter(order=order, shipped=True).count() == 1
