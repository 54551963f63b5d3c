"""The billing admin: keys shown by their masked card only; subscriptions with their charges and timeline,
read-only; staff's two doors (charge again, cancel) go through the services."""

from datetime import timedelta

import pytest
from django.urls import reverse

from payments.billing.models import SubscriptionCharge
from payments.billing.services import subscription_cancel, subscriptions_charge_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def test_a_billing_key_page_never_shows_the_key_nor_its_ciphertext(staff_client, buyer, register_key):
    key = register_key(buyer)

    for url in (
        reverse("admin:billing_billingkey_changelist"),
        reverse("admin:billing_billingkey_change", args=[key.pk]),
    ):
        page = staff_client.get(url).content.decode()
        assert key.card_number_masked in page
        assert key.key not in page and key.key_encrypted not in page and key.key_fingerprint not in page


def test_a_subscription_page_lists_its_charges_and_events_read_only(staff_client, buyer, subscribe):
    subscription = subscribe(buyer)
    charge = subscription.charges.get()

    response = staff_client.get(reverse("admin:billing_subscription_change", args=[subscription.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert charge.order.order_id in page and "charged" in page and "created" in page
    assert 'name="status"' not in page  # nothing editable


def test_staff_charge_again_after_an_unknown_outcome(staff_client, buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    assert SubscriptionCharge.objects.get(subscription=subscription, period=2).state == "unknown"

    refused = staff_client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "charge_again", "_selected_action": [subscription.pk]},
        follow=True,
    )
    assert "charge_outcome_open" in refused.content.decode()  # its webhook may still come
    assert fake_bootpay.calls.count("charge_billing_key") == 2

    response = staff_client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "charge_again_confirmed", "_selected_action": [subscription.pk]},
        follow=True,
    )

    assert "결제 paid" in response.content.decode()  # Korean (the default language): "charge paid"
    subscription.refresh_from_db()
    assert subscription.current_period == 2
    [action] = subscription.events.filter(kind="staff_action")
    assert action.data["no_charge_confirmed"] is True and action.data["previous_state"] == "unknown"


def test_subscriptions_with_an_open_outcome_are_listed_whatever_their_status(
    staff_client, buyer, make_user, fake_bootpay, subscribe
):
    open_one, settled = subscribe(buyer), subscribe(buyer)
    fake_bootpay.fault("charge_billing_key", "timeout")
    subscriptions_charge_due(now=open_one.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    subscription_cancel(subscription_id=open_one.subscription_id, actor=buyer, gateway=fake_bootpay)

    page = staff_client.get(
        reverse("admin:billing_subscription_changelist"), {"open_outcome": "yes"}
    ).content.decode()

    assert open_one.subscription_id in page and settled.subscription_id not in page


def test_staff_cancel_from_the_list(staff_client, buyer, subscribe):
    subscription = subscribe(buyer)

    staff_client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "cancel_selected", "_selected_action": [subscription.pk]},
    )

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"


def test_staff_book_the_receipt_of_an_unanswered_charge(staff_client, buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    fake_bootpay.fault("charge_billing_key", "lost")
    subscriptions_charge_due(now=subscription.next_charge_at + timedelta(minutes=1), gateway=fake_bootpay)
    charge = SubscriptionCharge.objects.get(subscription=subscription, period=2)
    (receipt_id,) = [
        r for r, data in fake_bootpay.receipts.items() if data["order_id"] == charge.order.order_id
    ]
    url = reverse("admin:billing_subscription_book_receipt", args=[subscription.pk])

    page = staff_client.get(
        reverse("admin:billing_subscription_change", args=[subscription.pk])
    ).content.decode()
    assert url in page
    assert charge.order.order_id in staff_client.get(url).content.decode()
    refused = staff_client.post(url, {"receipt_id": "0" * 24}, follow=True).content.decode()
    assert "반영하지 못했습니다" in refused  # "Not booked", in the default language
    response = staff_client.post(url, {"receipt_id": receipt_id})

    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.state == "paid"
    assert subscription.events.filter(kind="staff_action").get().data["receipt_id"] == receipt_id
