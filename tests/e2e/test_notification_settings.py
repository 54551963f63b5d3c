"""알림 설정 (/settings/notifications, linked from every notice's footer) and 내 구독 opened at one
subscription (/subscriptions/<id>, the price-change notice's link), in the browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Product
from payments.billing.models import SubscriptionPriceChange
from payments.billing.services import subscription_create, subscription_price_change_create
from payments.events.models import NotificationPreference
from tests.billing_support import emulator_billing_key
from tests.e2e.pages import alert_text, graphql_call, log_in, nav, status_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SETTINGS_PATH = "/settings/notifications"
SAVED = "저장했습니다."


def save(page) -> None:
    with graphql_call(page, "updateNotificationPreferences"):
        page.get_by_role("button", name="저장", exact=True).click()


def test_a_buyer_switches_to_english_without_email_and_it_is_kept(page, shop, buyer):
    page.goto(shop + SETTINGS_PATH)  # signed out: the login page, then back here
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    log_in(page, buyer.username)
    expect(page).to_have_url(re.compile(re.escape(SETTINGS_PATH) + "$"))
    expect(page.get_by_role("heading", name="알림 설정", level=1)).to_be_visible()
    expect(nav(page).get_by_role("link", name="알림 설정")).to_have_attribute("aria-current", "page")

    language = page.get_by_role("group", name="알림 언어")
    email = page.get_by_role("checkbox", name="이메일로 알림 받기")
    alimtalk = page.get_by_role("checkbox", name="알림톡으로 알림 받기")
    expect(language.get_by_role("radio", name="한국어")).to_be_checked()
    expect(email).to_be_checked()
    expect(alimtalk).to_be_checked()
    legal = page.get_by_role("region", name="항상 보내는 안내")
    expect(legal).to_contain_text("무료 체험 후 첫 결제 7일 전 안내")
    expect(legal).to_contain_text("구독 가격 인상 동의 요청")

    language.get_by_role("radio", name="English").check()
    email.uncheck()
    save(page)
    expect(status_text(page, SAVED)).to_be_visible()

    page.reload()
    expect(page.get_by_role("group", name="알림 언어").get_by_role("radio", name="English")).to_be_checked()
    expect(page.get_by_role("checkbox", name="이메일로 알림 받기")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="알림톡으로 알림 받기")).to_be_checked()

    answer = page.request.get(shop + "/api/v1/notification-preferences/")
    assert answer.ok, answer.text()
    body = answer.json()
    assert (body["language"], body["email_opt_out"], body["alimtalk_opt_out"]) == ("en", True, False)
    preference = NotificationPreference.objects.get(user=buyer)
    assert (preference.language, preference.email_opt_out) == ("en", True)


def test_the_alimtalk_number_is_checked_saved_masked_and_removed(page, shop, buyer):
    log_in(page, buyer.username, base_url=shop)
    nav(page).get_by_role("link", name="알림 설정").click()
    expect(page.get_by_text("등록된 번호가 없습니다.")).to_be_visible()
    phone = page.get_by_label("새 휴대폰 번호")

    phone.fill("12345")
    save(page)
    expect(alert_text(page, "휴대폰 번호가 올바르지 않습니다")).to_be_visible()
    expect(phone).to_have_attribute("aria-invalid", "true")
    assert not NotificationPreference.objects.filter(user=buyer).exclude(phone="").exists()

    phone.fill("010-1234-5678")
    save(page)
    expect(status_text(page, SAVED)).to_be_visible()
    expect(page.get_by_text(re.compile(r"등록된 번호: 010-\*+-5678"))).to_be_visible()
    expect(phone).to_have_value("")
    assert NotificationPreference.objects.get(user=buyer).phone == "01012345678"

    page.get_by_role("checkbox", name="등록된 번호 삭제").check()
    save(page)
    expect(page.get_by_text("등록된 번호가 없습니다.")).to_be_visible()
    assert NotificationPreference.objects.get(user=buyer).phone == ""


def test_a_subscriptions_link_opens_my_subscriptions_at_that_subscription(
    page, shop, buyer, catalogue, bootpay
):
    """The price-change notice links /subscriptions/<id>: 내 구독 with that card marked, focused and on
    screen, its 동의 button right there."""
    products = [
        Product.objects.create(
            seller=catalogue.seller_a, name=name, price=10_000, stock=20, subscription_interval="month"
        )
        for name in ("우유 정기배송", "빵 정기배송", "원두 정기배송")
    ]
    key, _ = emulator_billing_key(buyer, bootpay)
    subscriptions = [
        subscription_create(buyer=buyer, product_id=p.pk, billing_key_id=key.billing_key_id) for p in products
    ]
    coffee, wanted = products[-1], subscriptions[-1]
    subscription_price_change_create(
        product_id=coffee.pk,
        actor=coffee.seller.user,
        new_price=12_000,
        effective_at=timezone.now() + timedelta(days=31),
        on_no_consent="keep_price",
    )
    SubscriptionPriceChange.objects.update(consent_opens_at=timezone.now() - timedelta(minutes=1))

    log_in(page, buyer.username, base_url=shop)
    page.goto(f"{shop}/subscriptions/{wanted.subscription_id}")
    expect(page.get_by_role("heading", name="내 구독", level=1)).to_be_visible()
    marked = page.locator("article[aria-current='true']")
    expect(marked).to_have_count(1)
    expect(marked.get_by_role("heading", name=f"{coffee.name} 정기구독")).to_be_visible()
    expect(marked).to_be_focused()
    consent = marked.get_by_role("button", name=f"가격 변경 동의: {coffee.name}")
    expect(consent).to_be_in_viewport()
    expect(page.get_by_role("article")).to_have_count(3)  # every subscription is still listed

    page.goto(shop + "/subscriptions/")  # as before: nothing marked
    expect(page.get_by_role("article")).to_have_count(3)
    expect(page.locator("article[aria-current]")).to_have_count(0)
