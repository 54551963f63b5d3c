"""Refunds in the browser: the buyer on 내 주문, the seller on 판매자. Checked in the DB and the emulator."""

import pytest
from playwright.sync_api import expect

from orders.models import Order, OrderItem
from payments.models import Cancellation
from tests.e2e.pages import graphql_call, log_in, nav, order_article, refund_question, scope_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def line(order: Order, product) -> OrderItem:
    return order.items.get(product=product)


def assert_only_line_refunded(order: Order, refunded: OrderItem, kept: OrderItem, emulator) -> None:
    """One succeeded cancellation of exactly `refunded`, here and at the emulator; `kept` stays paid."""
    payment = order.payments.get()
    cancellation = Cancellation.objects.get(payment=payment)
    assert cancellation.state == Cancellation.State.SUCCEEDED
    assert list(cancellation.items.all()) == [refunded]
    assert cancellation.amount == refunded.line_total
    refunded.refresh_from_db()
    kept.refresh_from_db()
    assert (refunded.status, kept.status) == (OrderItem.Status.REFUNDED, OrderItem.Status.PAID)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert emulator.receipt(payment.receipt_id)["cancelled_price"] == refunded.line_total


def test_buyer_refunds_an_unshipped_line(page, shop, catalogue, buyer, paid_order, emulator, dialogs):
    order = paid_order(catalogue.keyboard, catalogue.tea)
    keyboard = line(order, catalogue.keyboard)
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="내 주문").click()

    article = order_article(page, order.order_id)
    expect(article).to_contain_text("결제 완료")
    article.get_by_role("checkbox", name=f"환불할 상품: {keyboard.product_name}").check()
    article.get_by_label("환불 사유").fill("단순 변심")
    with graphql_call(page, "cancelPayment"):
        article.get_by_role("button", name="선택 상품 환불 요청").click()  # the confirm is accepted
    expect(article).to_contain_text("부분 환불")

    # Asked first, as 구독 해지 is: what goes back and that it cannot be undone.
    assert dialogs == [refund_question(keyboard.product_name, 18_000)]
    assert keyboard.line_total == 18_000
    assert_only_line_refunded(order, keyboard, line(order, catalogue.tea), emulator)
    assert emulator.receipt(order.payments.get().receipt_id)["cancelled_tax_free"] == 0


def test_buyer_refunds_a_virtual_account_line_to_an_account(
    page, shop, catalogue, buyer, paid_order, emulator, partial_refunds_of_cash_payments
):
    # A line of a virtual account is a partial refund: a PG contract that takes them (docs/cancellations.md).
    order = paid_order(catalogue.keyboard, catalogue.tea, vbank=True)
    keyboard = line(order, catalogue.keyboard)
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="내 주문").click()

    article = order_article(page, order.order_id)
    article.get_by_role("checkbox", name=f"환불할 상품: {keyboard.product_name}").check()
    article.get_by_label("환불 사유").fill("단순 변심")
    account = article.get_by_role("group", name="환불 받을 계좌")
    bank = account.get_by_label("환불 은행")
    number = account.get_by_label("환불 계좌번호")
    # The bank is picked from the server's list (the checkout config's refund_banks), not typed as a code.
    expect(bank.get_by_role("option", name="신한은행")).to_have_attribute("value", "088")
    bank.select_option(label="신한은행")
    account.get_by_label("예금주").fill("홍길동")
    # A number the server's rule refuses is refused here first, under the field, and nothing is sent.
    number.fill("110-123")
    article.get_by_role("button", name="선택 상품 환불 요청").click()
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(account).to_contain_text("계좌번호는 숫자 10~16자리로 입력해 주세요.")
    assert not Cancellation.objects.exists()

    number.fill("110-123-456789")
    with graphql_call(page, "cancelPayment"):
        article.get_by_role("button", name="선택 상품 환불 요청").click()
    expect(article).to_contain_text("부분 환불")

    # The emulator, like Bootpay, refunds a virtual account only with the account to send the money to.
    assert_only_line_refunded(order, keyboard, line(order, catalogue.tea), emulator)
    (cancel,) = emulator.receipt(order.payments.get().receipt_id)["_cancellations"]
    assert cancel["refund"] == {"bank_code": "088", "bank_account": "110123456789", "bank_username": "홍길동"}


def seller_page(page, shop, catalogue):
    log_in(page, catalogue.seller_a.user.username, base_url=shop)
    nav(page).get_by_role("link", name="판매자").click()
    # Only this seller's lines: the other seller's tea is not listed.
    expect(page.get_by_role("button", name=f"환불: {catalogue.keyboard.name}")).to_be_visible()
    expect(page.get_by_text(catalogue.tea.name)).to_have_count(0)


def test_seller_marks_a_line_shipped(page, shop, catalogue, paid_order):
    order = paid_order(catalogue.keyboard, catalogue.mouse, catalogue.tea)
    keyboard, mouse = line(order, catalogue.keyboard), line(order, catalogue.mouse)
    seller_page(page, shop, catalogue)

    ship = page.get_by_role("button", name=f"발송 처리: {keyboard.product_name}")
    with graphql_call(page, "markItemShipped"):
        ship.click()
    # The list is reloaded after the mutation: a shipped line offers no 발송 처리 any more.
    expect(ship).to_have_count(0)
    expect(page.get_by_role("button", name=f"발송 처리: {mouse.product_name}")).to_be_visible()

    keyboard.refresh_from_db()
    assert (keyboard.shipped, keyboard.status) == (True, OrderItem.Status.PAID)
    mouse.refresh_from_db()
    assert mouse.shipped is False
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_seller_refunds_an_own_line(page, shop, catalogue, paid_order, emulator, dialogs):
    order = paid_order(catalogue.keyboard, catalogue.mouse, catalogue.tea)
    keyboard, mouse = line(order, catalogue.keyboard), line(order, catalogue.mouse)
    seller_page(page, shop, catalogue)

    refund = page.get_by_role("button", name=f"환불: {mouse.product_name}")
    scope_of(page, refund, "환불 사유").get_by_label("환불 사유").fill("품절로 판매 취소")
    with graphql_call(page, "cancelPayment"):
        refund.click()  # the confirm is accepted
    assert dialogs == [refund_question(mouse.product_name, 12_000)]
    # Reloaded: a refunded line offers no refund any more; the keyboard still does.
    expect(refund).to_have_count(0)
    expect(page.get_by_role("button", name=f"환불: {keyboard.product_name}")).to_be_visible()

    assert mouse.line_total == 12_000
    assert_only_line_refunded(order, mouse, keyboard, emulator)


# --- What the PG does not take (docs/cancellations.md, "What each PG allows") ----------------------------


def test_a_pg_without_partial_cancels_offers_the_buyer_only_the_whole_refund(
    page, shop, catalogue, buyer, paid_order, emulator, api_client_for, dialogs
):
    order = paid_order(catalogue.keyboard, catalogue.tea, pg="토스페이먼츠")
    keyboard = line(order, catalogue.keyboard)
    payment = order.payments.get()
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="내 주문").click()

    # No line to tick: the PG takes no partial cancel, and the card says so and what to do instead.
    article = order_article(page, order.order_id)
    expect(article.get_by_role("note")).to_contain_text("부분 취소를 지원하지 않습니다")
    expect(article.get_by_role("checkbox")).to_have_count(0)
    expect(article.get_by_role("button", name="선택 상품 환불 요청")).to_have_count(0)

    # Asked anyway through the API, the line refund is refused with its code before Bootpay hears of it.
    refused = api_client_for(buyer).post(
        f"/api/v1/payments/{payment.public_id}/cancel/",
        {"reason": "x", "items": [keyboard.pk]},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "partial_cancel_unsupported"
    assert emulator.receipt(payment.receipt_id)["cancelled_price"] == 0

    # The whole refund is offered, and taken.
    article.get_by_label("환불 사유").fill("단순 변심")
    with graphql_call(page, "cancelPayment"):
        article.get_by_role("button", name="전체 환불 요청").click()
    expect(article).to_contain_text("환불 완료")
    assert len(dialogs) == 1
    assert emulator.receipt(payment.receipt_id)["cancelled_price"] == order.total_amount
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_pg_without_partial_cancels_offers_the_seller_no_line_refund(page, shop, catalogue, paid_order):
    order = paid_order(catalogue.keyboard, catalogue.tea, pg="토스페이먼츠")
    log_in(page, catalogue.seller_a.user.username, base_url=shop)
    nav(page).get_by_role("link", name="판매자").click()

    card = page.get_by_role("article").filter(has=page.get_by_role("heading", name=f"주문 {order.order_id}"))
    # Why, without what the buyer paid with (the payment is the buyer's): ask the marketplace's staff.
    expect(card.get_by_role("note")).to_contain_text("마켓 운영자에게 문의하세요")
    expect(card.get_by_role("button", name=f"환불: {catalogue.keyboard.name}")).to_have_count(0)
    # Shipping is still offered: only the refund is the PG's to refuse.
    expect(card.get_by_role("button", name=f"발송 처리: {catalogue.keyboard.name}")).to_be_visible()
