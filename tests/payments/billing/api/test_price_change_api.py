"""REST of the notices the law requires: the seller schedules a price increase
(`POST /api/v1/products/{id}/price-changes/`), the buyer consents
(`POST /api/v1/subscriptions/{subscription_id}/consent/`), the subscription shows `trial_ends_at` and
`pending_price_change`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.billing.models import SubscriptionPriceChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(buyer, subscribe):
    return subscribe(buyer, price=10_000, interval="year")


def _body(days=40, **extra):
    return {
        "new_price": 12_000,
        "effective_at": (timezone.now() + timedelta(days=days)).isoformat(),
        "on_no_consent": "keep_price",
    } | extra


def _schedule(api_client_for, subscription, **extra):
    seller = subscription.product.seller.user
    return api_client_for(seller).post(
        f"/api/v1/products/{subscription.product_id}/price-changes/", _body(**extra), format="json"
    )


def test_the_seller_schedules_an_increase_and_the_buyer_sees_it_pending(api_client_for, buyer, subscription):
    response = _schedule(api_client_for, subscription, days=31)

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["price_change_id"].startswith("pc_")
    assert (created["product_id"], created["new_price"], created["subscriptions_asked"]) == (
        subscription.product_id,
        12_000,
        1,
    )
    shown = api_client_for(buyer).get(f"/api/v1/subscriptions/{subscription.subscription_id}/").json()
    pending = shown["pending_price_change"]
    assert pending["price_change_id"] == created["price_change_id"]
    assert (pending["price"], pending["new_price"], pending["on_no_consent"]) == (
        10_000,
        12_000,
        "keep_price",
    )
    assert pending["consented_at"] is None and shown["trial_ends_at"] is None


def test_the_buyer_consents_once_and_again_idempotently(api_client_for, buyer, subscription):
    assert _schedule(api_client_for, subscription, days=31).status_code == 201
    # A day later: the window (30 days before effective_at) is open.
    SubscriptionPriceChange.objects.update(consent_opens_at=timezone.now() - timedelta(minutes=1))
    client = api_client_for(buyer)
    url = f"/api/v1/subscriptions/{subscription.subscription_id}/consent/"

    first, second = client.post(url), client.post(url)

    assert first.status_code == second.status_code == 200
    assert first.json()["pending_price_change"]["consented_at"] is not None
    assert (
        second.json()["pending_price_change"]["consented_at"]
        == first.json()["pending_price_change"]["consented_at"]
    )
    assert subscription.events.filter(kind="price_change_consented").count() == 1


def test_consent_refusals_carry_stable_codes(api_client_for, buyer, make_user, subscription):
    url = f"/api/v1/subscriptions/{subscription.subscription_id}/consent/"
    nothing = api_client_for(buyer).post(url)
    assert (nothing.status_code, nothing.json()["code"]) == (409, "no_pending_price_change")

    assert _schedule(api_client_for, subscription, days=45).status_code == 201  # opens in 15 days
    early = api_client_for(buyer).post(url)
    assert (early.status_code, early.json()["code"]) == (409, "price_change_consent_closed")
    assert set(early.json()["details"]) == {"consent_opens_at", "consent_deadline"}

    for other in (make_user("stranger"), make_user("ops", is_staff=True)):
        hidden = api_client_for(other).post(url)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "subscription_not_found")
    assert api_client_for(None).post(url).status_code == 401


def test_consent_after_the_deadline_is_409(api_client_for, buyer, subscription):
    assert _schedule(api_client_for, subscription, days=31).status_code == 201
    SubscriptionPriceChange.objects.update(consent_deadline=timezone.now() - timedelta(minutes=1))

    late = api_client_for(buyer).post(f"/api/v1/subscriptions/{subscription.subscription_id}/consent/")

    assert (late.status_code, late.json()["code"]) == (409, "price_change_consent_closed")


def test_only_the_products_seller_or_staff_schedule_and_the_rules_hold(
    api_client_for, buyer, make_seller, make_user, subscription
):
    url = f"/api/v1/products/{subscription.product_id}/price-changes/"
    other_seller = make_seller("othershop").user
    assert (
        api_client_for(other_seller).post(url, _body(), format="json").json()["code"] == "product_not_found"
    )
    assert api_client_for(buyer).post(url, _body(), format="json").json()["code"] == "permission_denied"
    soon = _schedule(api_client_for, subscription, days=5)
    assert (soon.status_code, soon.json()["code"]) == (400, "validation_error")
    assert "effective_at" in soon.json()["details"]["fields"]
    bad = _schedule(api_client_for, subscription, on_no_consent="charge_anyway")
    assert bad.status_code == 400

    staff = api_client_for(make_user("ops", is_staff=True))
    assert staff.post(url, _body(), format="json").status_code == 201
    again = _schedule(api_client_for, subscription)
    assert (again.status_code, again.json()["code"]) == (409, "price_change_exists")


def test_a_trial_subscription_shows_when_its_trial_ends(api_client_for, buyer, register_key, subscribable):
    product = subscribable(price=9_900, trial_days=14)
    key = register_key(buyer)

    response = api_client_for(buyer).post(
        "/api/v1/subscriptions/",
        {"product_id": product.pk, "billing_key_id": key.billing_key_id},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["trial_ends_at"] is not None and body["next_charge_at"] == body["trial_ends_at"]
    assert (body["current_period"], body["charges"]) == (0, [])
