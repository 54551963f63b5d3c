"""Subscribing in the browser: the shop's 구독하기, a test card from the sandbox panel, the first charge,
then 내 구독 with its cancel. Checked on the page, in our database and at the emulator (Bootpay)."""

import base64
import re
import urllib.parse
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Product
from payments.billing.models import (
    BillingKey,
    Subscription,
    SubscriptionPriceChange,
    SubscriptionPriceConsent,
)
from payments.billing.services import subscription_create, subscription_price_change_create
from tests.billing_support import emulator_billing_key
from tests.e2e.axe import assert_accessible
from tests.e2e.pages import graphql_call, log_in, nav, product_card, sandbox_panel, status_text, urlpath, won

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEST_CARD = "테스트 카드 발급"
DECLINING_CARD = "결제가 거절되는 카드 (테스트)"
SUBSCRIBED_HEADING = "구독이 시작되었습니다"
DECLINED_TEXT = "카드 결제가 거절되어 구독을 시작하지 못했습니다"


@pytest.fixture
def coffee(catalogue) -> Product:
    return Product.objects.create(
        seller=catalogue.seller_a, name="원두 정기배송", price=16_000, stock=20, subscription_interval="month"
    )


def subscription_article(page, product_name: str):
    return page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=f"{product_name} 정기구독", exact=True)
    )


def issue_test_card(page, *, declining: bool = False) -> None:
    """The sandbox panel's stand-in for requestSubscription, then the card's registration."""
    panel = sandbox_panel(page)
    expect(panel).to_be_visible()
    if declining:
        panel.get_by_role("checkbox", name=DECLINING_CARD).check()
    issuance = page.expect_response(lambda r: urlpath(r.url) == "/api/v1/sandbox/billing-keys/")
    with issuance as issued, graphql_call(page, "registerBillingKey"):
        panel.get_by_role("button", name=TEST_CARD).click()
    assert issued.value.status == 201
    assert set(issued.value.json()) == {"receipt_id"}  # the browser never sees the key


def test_subscribe_with_a_test_card_then_cancel_on_my_subscriptions(page, shop, buyer, coffee, bootpay):
    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/")
    card = product_card(page, coffee.name)
    expect(card).to_contain_text("정기구독 매월 16,000원")
    card.get_by_role("link", name=f"구독하기: {coffee.name}").click()

    expect(page).to_have_url(re.compile(r"/subscribe/\?product="))
    expect(page.get_by_role("heading", name="정기구독 신청")).to_be_visible()
    expect(page.get_by_text(f"매월 {won(16_000)}").first).to_be_visible()
    subscribe = page.get_by_role("button", name="구독 시작", exact=True)
    expect(subscribe).to_be_disabled()  # no card yet
    expect(page.get_by_text("등록된 카드가 없습니다")).to_be_visible()

    issue_test_card(page)
    card_radio = page.get_by_role("radio", name=re.compile(r"51234567\*\*\*\*1234"))
    expect(card_radio).to_be_checked()
    [issued] = bootpay.state.list_billing_keys()
    key = BillingKey.objects.get(buyer=buyer)
    assert key.receipt_id == issued["receipt_id"] and key.key == issued["billing_key"]

    with graphql_call(page, "subscribe"):
        subscribe.click()
    expect(page.get_by_role("heading", name=SUBSCRIBED_HEADING)).to_be_visible()
    subscription = Subscription.objects.get(buyer=buyer)
    assert (subscription.status, subscription.current_period, subscription.price) == ("active", 1, 16_000)
    charge = subscription.charges.get()
    payment = charge.order.payments.get()
    assert (payment.status, payment.amount) == ("paid", 16_000)
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert (receipt["order_id"], receipt["price"]) == (charge.order.order_id, 16_000)
    assert issued["billing_key"] not in page.content()

    page.get_by_role("link", name="내 구독 보기").click()
    expect(page).to_have_url(re.compile(r"/subscriptions/$"))
    article = subscription_article(page, coffee.name)
    expect(article).to_contain_text("이용 중")
    expect(article).to_contain_text("매월 16,000원")
    expect(article).to_contain_text("1회차")
    expect(article).to_contain_text("결제 완료")
    expect(article).to_contain_text(charge.order.order_id)
    expect(article).to_contain_text("51234567****1234")
    expect(article.get_by_text("다음 결제")).to_be_visible()

    with graphql_call(page, "cancelSubscription"):
        article.get_by_role("button", name=f"구독 해지: {coffee.name}").click()  # the confirm is accepted
    expect(status_text(page, f"{coffee.name} 구독을 해지했습니다.")).to_be_visible()
    expect(article).to_contain_text("해지됨")
    expect(article.get_by_role("button", name=f"구독 해지: {coffee.name}")).to_have_count(0)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.next_charge_at) == ("cancelled", None)
    assert bootpay.state.list_billing_keys()[0]["status"] == "destroyed"  # unused now: destroyed at Bootpay
    charge.order.refresh_from_db()
    assert charge.order.status == "paid"  # the paid period stays paid
    assert issued["billing_key"] not in page.content()


def test_a_declining_test_card_does_not_subscribe(page, shop, buyer, coffee, bootpay):
    log_in(page, buyer.username, base_url=shop)
    page.goto(f"{shop}/subscribe/?product={_product_gid(coffee)}")

    issue_test_card(page, declining=True)
    with graphql_call(page, "subscribe"):
        page.get_by_role("button", name="구독 시작", exact=True).click()

    expect(page.get_by_role("alert").filter(has_text=DECLINED_TEXT)).to_be_visible()
    expect(page.get_by_role("heading", name=SUBSCRIBED_HEADING)).to_have_count(0)
    assert Subscription.objects.get(buyer=buyer).status == "cancelled"
    nav(page).get_by_role("link", name="내 구독").click()
    expect(subscription_article(page, coffee.name)).to_contain_text("해지됨")
    expect(subscription_article(page, coffee.name)).to_contain_text("결제 거절")


def _product_gid(product: Product) -> str:
    return urllib.parse.quote(base64.b64encode(f"Product:{product.pk}".encode()).decode(), safe="")


def test_a_pending_price_increase_on_my_subscriptions_is_consented_with_one_click(
    page, shop, buyer, coffee, bootpay
):
    """The seller raises the price for existing subscribers; 내 구독 shows the new price, the deadline and
    what happens without consent, and 동의 records the consent (then the page says so)."""
    key, _ = emulator_billing_key(buyer, bootpay)
    subscription = subscription_create(buyer=buyer, product_id=coffee.pk, billing_key_id=key.billing_key_id)
    subscription_price_change_create(
        product_id=coffee.pk,
        actor=coffee.seller.user,
        new_price=19_000,
        effective_at=timezone.now() + timedelta(days=31),
        on_no_consent="cancel_at_period_end",
    )
    SubscriptionPriceChange.objects.update(consent_opens_at=timezone.now() - timedelta(minutes=1))

    log_in(page, buyer.username, base_url=shop)
    page.goto(shop + "/subscriptions/")
    article = subscription_article(page, coffee.name)
    notice = article.get_by_role("region", name="가격 변경 안내")
    expect(notice).to_contain_text("매월 19,000원")
    expect(notice).to_contain_text("동의 마감")
    expect(notice).to_contain_text("구독이 해지되며")
    assert_accessible(page, "내 구독 with a pending price change")

    with graphql_call(page, "consentToPriceChange"):
        notice.get_by_role("button", name=f"가격 변경 동의: {coffee.name}").click()
    expect(status_text(page, f"{coffee.name} 가격 변경에 동의했습니다.")).to_be_visible()
    expect(notice).to_contain_text("가격 변경에 동의했습니다")
    expect(notice.get_by_role("button")).to_have_count(0)
    consent = SubscriptionPriceConsent.objects.get(subscription=subscription)
    assert consent.state == "consented" and consent.consented_at is not None
