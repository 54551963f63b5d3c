"""Every notice of the who-is-told table renders in Korean and English for each audience it has: one
subject line, a text and an HTML part, no template syntax left, seller input escaped in HTML only."""

import pytest

from payments.events.models import Event, EventType
from payments.events.services.notifications import (
    BUYER,
    LEGAL_NOTICES,
    NOTICES,
    SELLERS,
    STAFF,
)
from payments.events.services.rendering import kst, notice_render, won

pytestmark = pytest.mark.django_db

NAME = "<script>alert(1)</script> 머그"
ORDER = {
    "order_id": "ord_x",
    "order_name": NAME,
    "total_amount": 15_000,
    "paid_at": "2026-12-06T06:00:00+00:00",
    "items": [
        {"item_id": 1, "seller_id": 7, "product_name": NAME, "quantity": 1, "unit_price": 12_000},
        {"item_id": 2, "seller_id": 8, "product_name": "다른 상품", "quantity": 1, "unit_price": 3_000},
    ],
}
DATA = {
    "order": ORDER,
    "payment": {"payment_id": "pay_x", "amount": 15_000, "method_name": "카드"},
    "virtual_account": {
        "bank_name": "국민은행",
        "account_number": "123456789",
        "holder": "상점",
        "due_at": None,
    },
    "refund": {"cancel_id": "cx_1", "amount": 12_000, "item_ids": [1]},
    "subscription": {"subscription_id": "sub_x", "product_id": None, "price": 9_900, "interval": "month"},
    "detail": {"period": 2, "amount": 9_900, "new_price": 12_900},
    "order_id": "ord_x",
    "cash_receipt": {"type": "income_deduction", "approval_no": "A1", "amount": 15_000},
    "kind": "refund",
    "reference": "cx_1",
}
AUDIENCE = {
    BUYER: "buyer",
    SELLERS: "seller",
    STAFF: "staff",
}


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("kind", sorted(NOTICES))
def test_every_notice_renders_for_each_of_its_audiences(kind, language):
    event = Event(type=kind, aggregate="order:ord_x", data=DATA, dedup_key="x")
    for rule in NOTICES[kind]:
        audience = AUDIENCE[rule]
        message = notice_render(
            event,
            audience=audience,
            seller_pk=7 if audience == "seller" else None,
            language=language,
            legal=kind in LEGAL_NOTICES,
        )
        assert message.subject.startswith("[상점] ") and "\n" not in message.subject
        for part in (message.subject, message.text, message.html):
            assert "{{" not in part and "{%" not in part
        assert "<script>" not in message.html
        if NAME in message.text:
            assert "&lt;script&gt;" in message.html
        if audience == "seller":
            assert "다른 상품" not in message.text + message.html


def test_legal_notices_say_they_cannot_be_turned_off_and_others_link_the_settings():
    legal = notice_render(
        Event(type=EventType.SUBSCRIPTION_UPCOMING_CHARGE, data=DATA),
        audience="buyer",
        seller_pk=None,
        language="ko",
        legal=True,
    )
    ordinary = notice_render(
        Event(type=EventType.SUBSCRIPTION_CHARGED, data=DATA), audience="buyer", seller_pk=None, language="en"
    )

    assert "수신 설정과 관계없이" in legal.text and "/settings/notifications" not in legal.text
    assert "/settings/notifications" in ordinary.text and ordinary.language == "en"


def test_amounts_and_moments_read_the_korean_way():
    assert (won(12_000, "ko"), won(12_000, "en")) == ("12,000원", "KRW 12,000")
    assert kst("2026-12-06T15:30:00+00:00") == "2026-12-07 00:30 (KST)"
    assert kst(None) == kst("not a date") == ""
