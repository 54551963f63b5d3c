"""Automatic payments over GraphQL (HTTP, token auth), against the Bootpay emulator: the queries, every
mutation with its typed errors (REST's codes), who sees what, and no answer carrying a billing key."""

import base64
import json
from datetime import datetime

import pytest

from payments.billing.models import BillingKey, Subscription
from tests.billing_support import SecretWatch, issue_card
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

ERRORS = """
  __typename
  ... on Error { code message }
  ... on OperationError { details }
  ... on InputError { fields { field messages } }
"""
KEY = "id billingKeyId cardCompany cardNumberMasked status expiresAt createdAt removedAt"
SUBSCRIPTION = """id subscriptionId status interval price taxFree currentPeriod currentPeriodStart
  currentPeriodEnd nextChargeAt createdAt cancelledAt billingKeyId cardCompany cardNumberMasked
  product { id name subscriptionInterval } charges { period status orderId paymentId }"""

REQUEST = f"""mutation {{ requestBillingKey {{
  ... on RequestBillingKeySuccess {{ subscriptionId orderName }} {ERRORS} }} }}"""
REGISTER = f"""mutation($r: String!) {{ registerBillingKey(receiptId: $r) {{
  ... on RegisterBillingKeySuccess {{ billingKey {{ {KEY} }} }} {ERRORS} }} }}"""
REMOVE = f"""mutation($k: ID!) {{ removeBillingKey(billingKeyId: $k) {{
  ... on RemoveBillingKeySuccess {{ billingKey {{ {KEY} }} }} {ERRORS} }} }}"""
SUBSCRIBE = f"""mutation($p: ID!, $k: ID!) {{ subscribe(productId: $p, billingKeyId: $k) {{
  ... on SubscribeSuccess {{ subscription {{ {SUBSCRIPTION} }} }} {ERRORS} }} }}"""
CANCEL = f"""mutation($s: ID!) {{ cancelSubscription(subscriptionId: $s) {{
  ... on CancelSubscriptionSuccess {{ subscription {{ {SUBSCRIPTION} }} }} {ERRORS} }} }}"""
MY_KEYS = f"{{ myBillingKeys {{ totalCount edges {{ node {{ {KEY} }} }} }} }}"
MY_SUBSCRIPTIONS = f"""query($status: String) {{ mySubscriptions(first: 20, status: $status) {{
  totalCount edges {{ node {{ {SUBSCRIPTION} }} }} }} }}"""


def gid(type_name: str, pk) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


class WatchedGraphQL(GraphQLClient):
    """The suite's GraphQL client, each answer recorded for the secret watch."""

    def __init__(self, user, watch: SecretWatch):
        super().__init__(user)
        self.watch = watch

    def raw(self, query, variables=None):
        response = super().raw(query, variables)
        self.watch.record(f"{query.split('{')[0].strip()} {json.dumps(variables)}", response.content)
        return response


@pytest.fixture
def watch(bootpay):
    watch = SecretWatch(bootpay)
    yield watch
    watch.assert_clean()


@pytest.fixture
def gql(db, watch):
    return lambda user=None: WatchedGraphQL(user, watch)


@pytest.fixture
def monthly(make_product):
    return make_product(price=9_900, stock=5, subscription_interval="month")


@pytest.fixture
def card(gql, bootpay):
    def register(user, **options) -> dict:
        client = gql(user)
        subscription_id = client(REQUEST)["requestBillingKey"]["subscriptionId"]
        issued = issue_card(bootpay, subscription_id, **options)
        result = client(REGISTER, {"r": issued["receipt_id"]})["registerBillingKey"]
        assert result["__typename"] == "RegisterBillingKeySuccess", result
        return result["billingKey"]

    return register


@pytest.fixture
def subscribed(gql, card, monthly):
    def make(user, **options) -> dict:
        key = card(user, **options)
        result = gql(user)(SUBSCRIBE, {"p": gid("Product", monthly.pk), "k": key["billingKeyId"]})[
            "subscribe"
        ]
        assert result["__typename"] == "SubscribeSuccess", result
        return result["subscription"]

    return make


def refused(payload: dict, code: str, typename: str = "OperationError") -> dict:
    assert (payload["__typename"], payload["code"]) == (typename, code), payload
    return payload.get("details") or {}


# --- Cards ----------------------------------------------------------------------------------------


def test_a_buyer_requests_and_registers_a_card(gql, buyer, bootpay):
    client = gql(buyer)
    request = client(REQUEST)["requestBillingKey"]
    assert request["__typename"] == "RequestBillingKeySuccess"
    assert request["subscriptionId"].startswith("bkr_") and request["orderName"] == "정기결제 카드 등록"
    issued = issue_card(bootpay, request["subscriptionId"])

    key = client(REGISTER, {"r": issued["receipt_id"]})["registerBillingKey"]["billingKey"]

    assert key["billingKeyId"].startswith("bk_") and key["status"] == "active"
    assert (key["cardCompany"], key["cardNumberMasked"]) == ("신한", "51234567****1234")
    listed = client(MY_KEYS)["myBillingKeys"]
    [node] = [edge["node"] for edge in listed["edges"]]
    assert listed["totalCount"] == 1 and node == key | {"expiresAt": node["expiresAt"]}
    assert datetime.fromisoformat(node["expiresAt"]) == datetime.fromisoformat(key["expiresAt"])


def test_registration_refusals_carry_rest_codes_and_reasons(gql, buyer, make_user, bootpay):
    client = gql(buyer)
    payment_receipt = bootpay.state.create_receipt(order_id="ord_" + "0" * 24, price=1_000, order_name="x")
    theirs = issue_card(bootpay, gql(make_user())(REQUEST)["requestBillingKey"]["subscriptionId"])
    mine = issue_card(bootpay, client(REQUEST)["requestBillingKey"]["subscriptionId"])
    client(REGISTER, {"r": mine["receipt_id"]})

    for receipt_id, reason in [
        (payment_receipt["receipt_id"], "not_billing_receipt"),
        (theirs["receipt_id"], "not_issued_to_you"),
        (mine["receipt_id"], "already_registered"),
    ]:
        details = refused(client(REGISTER, {"r": receipt_id})["registerBillingKey"], "billing_key_invalid")
        assert details == {"reason": reason}
    invalid = client(REGISTER, {"r": "../x"})["registerBillingKey"]
    refused(invalid, "validation_error", "InputError")
    assert [field["field"] for field in invalid["fields"]] == ["receiptId"]
    assert BillingKey.objects.count() == 1


def test_removing_a_card(gql, card, buyer, bootpay):
    key = card(buyer)

    removed = gql(buyer)(REMOVE, {"k": key["billingKeyId"]})["removeBillingKey"]

    assert removed["__typename"] == "RemoveBillingKeySuccess"
    assert removed["billingKey"]["status"] == "removed" and removed["billingKey"]["removedAt"]
    assert bootpay.state.list_billing_keys()[0]["status"] == "destroyed"
    assert gql(buyer)(MY_KEYS)["myBillingKeys"]["totalCount"] == 0


def test_a_card_in_use_or_not_ones_own_is_not_removed(gql, card, subscribed, buyer, make_user):
    subscription = subscribed(buyer)
    theirs = card(make_user())

    in_use = gql(buyer)(REMOVE, {"k": subscription["billingKeyId"]})["removeBillingKey"]
    assert refused(in_use, "billing_key_in_use") == {"subscription_ids": [subscription["subscriptionId"]]}
    for caller in (buyer, make_user(is_staff=True)):
        other = gql(caller)(REMOVE, {"k": theirs["billingKeyId"]})["removeBillingKey"]
        refused(other, "billing_key_not_found")
    assert set(BillingKey.objects.values_list("status", flat=True)) == {"active"}


def test_cards_are_their_owners_only(gql, card, buyer, make_user):
    card(buyer)
    for caller in (make_user(), make_user(is_staff=True)):
        assert gql(caller)(MY_KEYS)["myBillingKeys"] == {"totalCount": 0, "edges": []}
    anonymous = gql(None).raw(MY_KEYS).json()  # REST's 401: an error, not an empty list
    assert [error["extensions"]["code"] for error in anonymous["errors"]] == ["not_authenticated"]


# --- Subscriptions --------------------------------------------------------------------------------


def test_subscribing_charges_the_first_period(gql, card, buyer, monthly):
    key = card(buyer)

    result = gql(buyer)(SUBSCRIBE, {"p": gid("Product", monthly.pk), "k": key["billingKeyId"]})["subscribe"]

    assert result["__typename"] == "SubscribeSuccess"
    subscription = result["subscription"]
    assert subscription["subscriptionId"].startswith("sub_")
    assert (subscription["status"], subscription["interval"], subscription["price"]) == (
        "active",
        "month",
        9_900,
    )
    assert (subscription["currentPeriod"], subscription["billingKeyId"]) == (1, key["billingKeyId"])
    assert subscription["product"] == {
        "id": gid("Product", monthly.pk),
        "name": monthly.name,
        "subscriptionInterval": "month",
    }
    [charge] = subscription["charges"]
    assert (charge["period"], charge["status"]) == (1, "paid")
    assert charge["orderId"].startswith("ord_") and charge["paymentId"].startswith("pay_")
    listed = gql(buyer)(MY_SUBSCRIPTIONS)["mySubscriptions"]
    assert (listed["totalCount"], [edge["node"] for edge in listed["edges"]]) == (1, [subscription])


def test_subscribe_refusals_carry_rest_codes(gql, card, buyer, make_user, make_product, monthly):
    key, theirs = card(buyer), card(make_user())
    plain = make_product()
    client = gql(buyer)

    def subscribe(product_gid, billing_key_id):
        return client(SUBSCRIBE, {"p": product_gid, "k": billing_key_id})["subscribe"]

    assert refused(subscribe(gid("Product", plain.pk), key["billingKeyId"]), "product_not_subscribable") == {
        "product_id": plain.pk
    }
    refused(subscribe(gid("Product", 999_999), key["billingKeyId"]), "product_not_found")
    refused(subscribe(gid("Product", monthly.pk), theirs["billingKeyId"]), "billing_key_not_found")
    refused(subscribe(gid("Product", monthly.pk), "bk_nope"), "billing_key_not_found")
    wrong_type = subscribe(gid("Seller", monthly.seller.pk), key["billingKeyId"])
    refused(wrong_type, "validation_error", "InputError")
    assert [field["field"] for field in wrong_type["fields"]] == ["productId"]
    assert not Subscription.objects.exists()


def test_a_declined_first_charge_is_payment_failed(gql, card, buyer, monthly):
    key = card(buyer, decline=True)

    result = gql(buyer)(SUBSCRIBE, {"p": gid("Product", monthly.pk), "k": key["billingKeyId"]})["subscribe"]

    details = refused(result, "payment_failed")
    assert details["pg_code"] == "RC_CARD_DECLINED"
    assert Subscription.objects.get(subscription_id=details["subscription_id"]).status == "cancelled"
    cancelled = gql(buyer)(MY_SUBSCRIPTIONS, {"status": "cancelled"})["mySubscriptions"]
    assert [edge["node"]["subscriptionId"] for edge in cancelled["edges"]] == [details["subscription_id"]]
    assert gql(buyer)(MY_SUBSCRIPTIONS, {"status": "active"})["mySubscriptions"]["totalCount"] == 0


def test_cancelling_a_subscription(gql, subscribed, buyer, bootpay):
    subscription = subscribed(buyer)

    result = gql(buyer)(CANCEL, {"s": subscription["subscriptionId"]})["cancelSubscription"]

    assert result["__typename"] == "CancelSubscriptionSuccess"
    cancelled = result["subscription"]
    assert (cancelled["status"], cancelled["nextChargeAt"]) == ("cancelled", None)
    assert [charge["status"] for charge in cancelled["charges"]] == ["paid"]
    assert bootpay.state.list_billing_keys()[0]["status"] == "destroyed"
    again = gql(buyer)(CANCEL, {"s": subscription["subscriptionId"]})["cancelSubscription"]
    assert again == result  # idempotent


def test_only_its_buyer_and_staff_reach_a_subscription(gql, subscribed, buyer, make_user):
    subscription = subscribed(buyer)
    other, staff = make_user(), make_user(is_staff=True)

    assert gql(other)(MY_SUBSCRIPTIONS)["mySubscriptions"] == {"totalCount": 0, "edges": []}
    assert gql(staff)(MY_SUBSCRIPTIONS)["mySubscriptions"]["totalCount"] == 0  # "my": staff's own
    refused(
        gql(other)(CANCEL, {"s": subscription["subscriptionId"]})["cancelSubscription"],
        "subscription_not_found",
    )
    assert Subscription.objects.get().status == "active"
    by_staff = gql(staff)(CANCEL, {"s": subscription["subscriptionId"]})["cancelSubscription"]
    assert by_staff["subscription"]["status"] == "cancelled"


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (REQUEST, {}),
        (REGISTER, {"r": "a" * 24}),
        (REMOVE, {"k": "bk_x"}),
        (SUBSCRIBE, {"p": gid("Product", 1), "k": "bk_x"}),
        (CANCEL, {"s": "sub_x"}),
    ],
)
def test_every_billing_mutation_needs_a_signed_in_caller(gql, mutation, variables):
    [payload] = gql(None)(mutation, variables).values()
    refused(payload, "not_authenticated")


def test_anonymous_callers_are_not_authenticated_for_subscriptions(gql, subscribed, buyer):
    subscribed(buyer)
    anonymous = gql(None).raw(MY_SUBSCRIPTIONS).json()  # REST's 401: an error, not an empty list
    assert anonymous["data"] is None
    assert [error["extensions"]["code"] for error in anonymous["errors"]] == ["not_authenticated"]


def test_the_same_failures_have_the_same_codes_as_rest(gql, card, buyer, make_product, api_client_for):
    key = card(buyer)
    plain = make_product()
    rest = api_client_for(buyer)

    pairs = [
        (
            rest.post(
                "/api/v1/subscriptions/",
                {"product_id": plain.pk, "billing_key_id": key["billingKeyId"]},
                format="json",
            ),
            gql(buyer)(SUBSCRIBE, {"p": gid("Product", plain.pk), "k": key["billingKeyId"]})["subscribe"],
        ),
        (
            rest.delete("/api/v1/billing-keys/bk_x/"),
            gql(buyer)(REMOVE, {"k": "bk_x"})["removeBillingKey"],
        ),
        (
            rest.post("/api/v1/subscriptions/sub_x/cancel/"),
            gql(buyer)(CANCEL, {"s": "sub_x"})["cancelSubscription"],
        ),
    ]
    for response, payload in pairs:
        assert response.json()["code"] == payload["code"]
        assert response.json()["details"] == payload["details"]


def test_no_answer_carries_a_key(gql, card, subscribed, buyer, make_user, monthly, watch):
    subscription = subscribed(buyer)
    declined = card(buyer, decline=True)
    for user in (buyer, make_user(), make_user(is_staff=True)):
        client = gql(user)
        client(MY_KEYS)
        client(MY_SUBSCRIPTIONS)
        client(SUBSCRIBE, {"p": gid("Product", monthly.pk), "k": declined["billingKeyId"]})
        client(REMOVE, {"k": subscription["billingKeyId"]})
        client(CANCEL, {"s": subscription["subscriptionId"]})
        client(REMOVE, {"k": declined["billingKeyId"]})
    assert len(watch.secrets()) == 2 * 3
    assert watch.assert_clean() > 20


def test_the_sdl_has_no_subscription_root_type():
    # A type named `Subscription` would be read as GraphQL's subscription root by SDL-built clients.
    from pathlib import Path

    from graphql import build_schema

    sdl = (Path(__file__).resolve().parents[2] / "graphql_api" / "schema.graphql").read_text()
    built = build_schema(sdl)
    assert built.subscription_type is None
    assert built.get_type("BillingSubscription") is not None
