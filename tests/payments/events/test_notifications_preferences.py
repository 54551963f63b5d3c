"""Preferences: the REST API (own, signed in, 400 with `code` on bad input), opt-outs that stop the
ordinary notices but never the legal ones, and 알림톡 through the sandbox channel."""

import pytest
from django.db import transaction

from payments.events.models import EventType, Notification, NotificationPreference, SandboxMessage
from payments.events.services.dispatch import events_dispatch
from payments.events.services.outbox import event_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/notification-preferences/"
SANDBOX_CHANNELS = {
    "email": "payments.events.services.channels.EmailChannel",
    "alimtalk": "payments.events.services.channels.SandboxAlimtalkChannel",
}


def test_preferences_default_to_korean_or_the_requests_language_and_are_the_callers_own(
    api_client_for, make_user
):
    user = make_user("pref-reader")

    assert api_client_for(user).get(URL).json() == {
        "language": "ko",
        "email_opt_out": False,
        "alimtalk_opt_out": False,
        "phone_masked": None,
        "always_sent": ["subscription.price_change_pending", "subscription.upcoming_charge"],
    }
    assert api_client_for(user).get(URL, HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "en"
    assert api_client_for(None).get(URL).json()["code"] == "not_authenticated"
    assert not NotificationPreference.objects.exists()  # reading writes nothing


def test_patching_preferences_saves_them_and_masks_the_phone(api_client_for, make_user):
    user, other = make_user("pref-writer"), make_user("pref-other")
    client = api_client_for(user)

    answer = client.patch(URL, {"email_opt_out": True, "phone": "010-1234-5678"}, format="json")

    assert answer.status_code == 200
    assert answer.json()["phone_masked"] == "010-****-5678" and answer.json()["email_opt_out"] is True
    assert "01012345678" not in answer.content.decode()
    saved = NotificationPreference.objects.get(user=user)
    assert (saved.language, saved.phone, saved.alimtalk_opt_out) == ("ko", "01012345678", False)
    assert client.patch(URL, {"language": "en", "phone": ""}, format="json").json()["phone_masked"] is None
    assert NotificationPreference.objects.get(user=user).language == "en"
    assert api_client_for(other).get(URL).json()["email_opt_out"] is False


def test_a_first_patch_keeps_the_requests_language(api_client_for, make_user):
    user = make_user("english-speaker")

    answer = api_client_for(user).patch(
        URL, {"email_opt_out": False}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (
        answer.json()["language"] == "en" and NotificationPreference.objects.get(user=user).language == "en"
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"language": "fr"}, "language"),
        ({"email_opt_out": "maybe"}, "email_opt_out"),
        ({"phone": "02-123-4567"}, "phone"),
        ({"phone": "x" * 30}, "phone"),
    ],
)
def test_bad_preferences_are_refused_with_validation_error(api_client_for, make_user, body, field):
    answer = api_client_for(make_user()).patch(URL, body, format="json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert field in answer.json()["details"]["fields"]
    assert not NotificationPreference.objects.exists()


def test_a_body_that_is_not_an_object_is_a_validation_error(api_client_for, make_user):
    answer = api_client_for(make_user()).patch(URL, [1, 2], format="json")

    assert (answer.status_code, answer.json()["code"]) == (400, "validation_error")


def _record(kind: str, buyer, **detail) -> None:
    subscription = {"subscription_id": "sub_test", "product_id": None, "price": 9_900, "interval": "month"}
    with transaction.atomic():
        event_record(
            type=kind,
            dedup_key=f"{kind}:{buyer.pk}:{sorted(detail)}",
            aggregate="subscription:sub_test",
            buyer_id=buyer.pk,
            data={"subscription": subscription, "detail": detail},
        )


def test_an_opted_out_buyer_gets_no_ordinary_notice_but_still_every_legal_one(
    make_user, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SHOP_URL = "https://shop.example.test"
    buyer = make_user("opted-out", email="opted@example.test")
    NotificationPreference.objects.create(user=buyer, email_opt_out=True)

    with django_capture_on_commit_callbacks(execute=True):
        _record(EventType.SUBSCRIPTION_CHARGED, buyer, period=2, amount=9_900)
        _record(
            EventType.SUBSCRIPTION_UPCOMING_CHARGE, buyer, charge_at="2027-01-01T00:00:00+00:00", amount=9_900
        )
        _record(
            EventType.SUBSCRIPTION_PRICE_CHANGE_PENDING,
            buyer,
            new_price=12_900,
            effective_at="2027-02-01T00:00:00+09:00",
        )
        events_dispatch()

    states = dict(Notification.objects.values_list("event__type", "state"))
    assert states == {
        "subscription.charged": "skipped",
        "subscription.upcoming_charge": "sent",
        "subscription.price_change_pending": "sent",
    }
    assert Notification.objects.get(event__type="subscription.charged").skip_reason == "opted_out"
    subjects = sorted(message.subject for message in mailoutbox)
    assert subjects == [
        "[상점] [필수 안내] 유료 결제 예정 안내",
        "[상점] [필수 안내] 정기결제 가격 변경 동의 요청",
    ]
    upcoming, price_change = sorted(mailoutbox, key=lambda message: message.subject)
    assert "2027-01-01 09:00 (KST)" in upcoming.body and "9,900원" in upcoming.body
    consent = "https://shop.example.test/subscriptions/sub_test"
    assert consent in price_change.body and consent in price_change.alternatives[0][0]
    assert "12,900원" in price_change.body and "2027-02-01 00:00 (KST)" in price_change.body


def test_sandbox_alimtalk_records_the_message_and_skips_users_without_a_number(
    make_user, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATION_CHANNELS = SANDBOX_CHANNELS
    with_phone = make_user("with-phone", email="")
    NotificationPreference.objects.create(user=with_phone, phone="01098765432")
    without = make_user("without-phone", email="without@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        _record(EventType.SUBSCRIPTION_DECLINED, with_phone, period=2, pg_code="CARD_DECLINED")
        _record(EventType.SUBSCRIPTION_DECLINED, without, period=2, pg_code="CARD_DECLINED")
        events_dispatch()

    rows = {
        (row.recipient_id, row.channel): (row.state, row.skip_reason) for row in Notification.objects.all()
    }
    assert rows == {
        (with_phone.pk, "alimtalk"): ("sent", ""),
        (with_phone.pk, "email"): ("skipped", "no_address"),
        (without.pk, "alimtalk"): ("skipped", "no_address"),
        (without.pk, "email"): ("sent", ""),
    }
    (message,) = SandboxMessage.objects.all()
    assert (message.channel, message.template_code, message.to_masked) == (
        "alimtalk",
        "subscription.declined",
        "010-****-5432",
    )
    assert "정기결제가 승인되지 않았습니다" in message.text and "01098765432" not in message.text
    assert [message.to for message in mailoutbox] == [["without@example.test"]]
