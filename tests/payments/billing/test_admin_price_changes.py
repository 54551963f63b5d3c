"""Staff schedule a price increase in the admin (through the service, its refusals on the form) and see
who consented; a scheduled change is never edited or deleted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.billing.models import SubscriptionPriceChange, SubscriptionPriceConsent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def _form(product, days=40, new_price=12_000):
    effective = timezone.localtime(timezone.now() + timedelta(days=days))
    return {
        "product": product.pk,
        "new_price": str(new_price),
        "effective_at_0": effective.strftime("%Y-%m-%d"),
        "effective_at_1": effective.strftime("%H:%M:%S"),
        "on_no_consent": "keep_price",
    }


def test_staff_schedule_a_price_change_and_see_who_was_asked(staff_client, buyer, subscribe):
    subscription = subscribe(buyer, price=10_000, interval="year")
    add = reverse("admin:billing_subscriptionpricechange_add")

    response = staff_client.post(add, _form(subscription.product))

    assert response.status_code == 302, response.content.decode()[:2000]
    change = SubscriptionPriceChange.objects.get()
    assert (change.new_price, change.created_by.username) == (12_000, "admin")
    assert SubscriptionPriceConsent.objects.get().subscription_id == subscription.pk
    page = staff_client.get(reverse("admin:billing_subscriptionpricechange_change", args=[change.pk]))
    assert page.status_code == 200 and subscription.subscription_id in page.content.decode()
    assert (
        staff_client.post(
            reverse("admin:billing_subscriptionpricechange_delete", args=[change.pk])
        ).status_code
        == 403
    )


def test_the_services_refusals_show_on_the_form(staff_client, buyer, subscribe):
    subscription = subscribe(buyer, price=10_000, interval="year")

    response = staff_client.post(
        reverse("admin:billing_subscriptionpricechange_add"), _form(subscription.product, days=5)
    )

    assert response.status_code == 200
    assert "30" in response.content.decode() and not SubscriptionPriceChange.objects.exists()
