"""The notices the law requires over GraphQL: `consentToPriceChange` with REST's codes, and
`mySubscriptions` showing `trialEndsAt` and `pendingPriceChange` (against the Bootpay emulator)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.billing.models import SubscriptionPriceChange
from payments.billing.services import subscription_create, subscription_price_change_create
from tests.billing_support import emulator_billing_key

pytestmark = pytest.mark.django_db

PENDING = """pendingPriceChange { priceChangeId price newPrice effectiveAt consentOpensAt consentDeadline
  onNoConsent consentedAt }"""
CONSENT = f"""mutation($s: ID!) {{ consentToPriceChange(subscriptionId: $s) {{
  __typename
  ... on ConsentToPriceChangeSuccess {{ subscription {{ subscriptionId price {PENDING} }} }}
  ... on Error {{ code message }} }} }}"""
MINE = f"""{{ mySubscriptions(first: 10) {{ edges {{ node {{ subscriptionId trialEndsAt nextChargeAt
  product {{ trialDays }} {PENDING} }} }} }} }}"""


@pytest.fixture
def subscribed(buyer, bootpay, make_product):
    def make(**product_options):
        product = make_product(price=10_000, stock=5, subscription_interval="year", **product_options)
        key, _ = emulator_billing_key(buyer, bootpay)
        return subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)

    return make


def _raise(subscription, days=31):
    return subscription_price_change_create(
        product_id=subscription.product_id,
        actor=subscription.product.seller.user,
        new_price=13_000,
        effective_at=timezone.now() + timedelta(days=days),
        on_no_consent="cancel_at_period_end",
    )


def test_the_buyer_sees_the_pending_change_and_consents(gql_for, buyer, subscribed):
    subscription = subscribed()
    change = _raise(subscription)
    SubscriptionPriceChange.objects.update(consent_opens_at=timezone.now() - timedelta(minutes=1))

    [node] = [edge["node"] for edge in gql_for(buyer)(MINE)["mySubscriptions"]["edges"]]
    assert node["pendingPriceChange"]["priceChangeId"] == change.price_change_id
    assert node["pendingPriceChange"]["onNoConsent"] == "cancel_at_period_end"
    assert node["pendingPriceChange"]["consentedAt"] is None

    answer = gql_for(buyer)(CONSENT, {"s": subscription.subscription_id})["consentToPriceChange"]
    assert answer["__typename"] == "ConsentToPriceChangeSuccess"
    pending = answer["subscription"]["pendingPriceChange"]
    assert (pending["price"], pending["newPrice"]) == (10_000, 13_000) and pending["consentedAt"]
    again = gql_for(buyer)(CONSENT, {"s": subscription.subscription_id})["consentToPriceChange"]
    assert again["subscription"]["pendingPriceChange"]["consentedAt"] == pending["consentedAt"]


def test_refusals_are_typed_errors_with_rest_codes(gql_for, buyer, make_user, subscribed):
    subscription = subscribed()
    variables = {"s": subscription.subscription_id}
    assert gql_for(buyer)(CONSENT, variables)["consentToPriceChange"]["code"] == "no_pending_price_change"
    _raise(subscription, days=50)
    assert gql_for(buyer)(CONSENT, variables)["consentToPriceChange"]["code"] == "price_change_consent_closed"
    stranger = gql_for(make_user("stranger"))(CONSENT, variables)["consentToPriceChange"]
    assert stranger["code"] == "subscription_not_found"
    assert gql_for()(CONSENT, variables)["consentToPriceChange"]["code"] == "not_authenticated"


def test_a_trial_subscription_shows_when_its_trial_ends(gql_for, buyer, subscribed):
    subscription = subscribed(trial_days=14)

    [node] = [edge["node"] for edge in gql_for(buyer)(MINE)["mySubscriptions"]["edges"]]
    assert node["subscriptionId"] == subscription.subscription_id
    assert node["trialEndsAt"] and node["trialEndsAt"] == node["nextChargeAt"]
    assert node["product"]["trialDays"] == 14 and node["pendingPriceChange"] is None
