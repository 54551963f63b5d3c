"""The automatic-payment REST endpoints over HTTP, against the Bootpay emulator: billing keys and
subscriptions, each error code, who sees what, and that no answer ever carries a billing key."""

import pytest

from payments.billing.models import BillingKey, Subscription
from tests.billing_support import SecretWatch, issue_card

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/billing-keys/requests/"
KEYS = "/api/v1/billing-keys/"
SUBSCRIPTIONS = "/api/v1/subscriptions/"

KEY_FIELDS = {
    "billing_key_id",
    "card_company",
    "card_number_masked",
    "status",
    "expires_at",
    "created_at",
    "removed_at",
}
SUBSCRIPTION_FIELDS = {
    "subscription_id",
    "status",
    "product_id",
    "product_name",
    "interval",
    "price",
    "tax_free",
    "billing_key_id",
    "card_number_masked",
    "current_period",
    "current_period_start",
    "current_period_end",
    "next_charge_at",
    "trial_ends_at",
    "created_at",
    "cancelled_at",
    "charges",
    "pending_price_change",
}


def key_url(billing_key_id: str) -> str:
    return f"{KEYS}{billing_key_id}/"


def subscription_url(subscription_id: str, action: str = "") -> str:
    return f"{SUBSCRIPTIONS}{subscription_id}/{action + '/' if action else ''}"


class WatchedClient:
    """A DRF APIClient (token auth) whose every answer goes to the secret watch."""

    def __init__(self, client, watch: SecretWatch) -> None:
        self.client, self.watch = client, watch

    def _call(self, method: str, path: str, body=None):
        response = getattr(self.client, method)(path, body, format="json")
        self.watch.record(f"{method.upper()} {path} → {response.status_code}", response.content)
        return response

    def get(self, path, query=None):
        response = self.client.get(path, query)
        self.watch.record(f"GET {path} → {response.status_code}", response.content)
        return response

    def post(self, path, body=None):
        return self._call("post", path, body)

    def delete(self, path):
        return self._call("delete", path)


@pytest.fixture
def watch(bootpay):
    watch = SecretWatch(bootpay)
    yield watch
    watch.assert_clean()  # every answer of the test, errors included


@pytest.fixture
def client_for(api_client_for, watch):
    return lambda user=None: WatchedClient(api_client_for(user), watch)


@pytest.fixture
def monthly(make_product):
    return make_product(price=9_900, stock=5, subscription_interval="month")


@pytest.fixture
def card(client_for, bootpay):
    """Register a card the REST way: key request, the widget's issuance at Bootpay, registration."""

    def register(user, **options) -> dict:
        client = client_for(user)
        subscription_id = client.post(REQUESTS).json()["subscription_id"]
        issued = issue_card(bootpay, subscription_id, **options)
        response = client.post(KEYS, {"receipt_id": issued["receipt_id"]})
        assert response.status_code == 201, response.content
        return response.json() | {"plain": issued["billing_key"]}

    return register


@pytest.fixture
def subscribed(client_for, card, monthly):
    def make(user, **options) -> dict:
        key = card(user, **options)
        response = client_for(user).post(
            SUBSCRIPTIONS, {"product_id": monthly.pk, "billing_key_id": key["billing_key_id"]}
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


def assert_error(response, status: int, code: str) -> dict:
    assert (response.status_code, response.json()["code"]) == (status, code), response.content
    return response.json()["details"]


# --- Billing keys ---------------------------------------------------------------------------------


def test_a_key_request_answers_what_request_subscription_needs(client_for, buyer):
    response = client_for(buyer).post(REQUESTS)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"subscription_id", "order_name"}
    assert body["subscription_id"].startswith("bkr_") and body["order_name"] == "정기결제 카드 등록"
    assert buyer.billing_key_requests.get().subscription_id == body["subscription_id"]


def test_registering_answers_the_masked_card_and_never_the_key(client_for, buyer, bootpay):
    client = client_for(buyer)
    subscription_id = client.post(REQUESTS).json()["subscription_id"]
    issued = issue_card(bootpay, subscription_id, card_company="KB국민", card_number="9411222233334444")

    response = client.post(KEYS, {"receipt_id": issued["receipt_id"]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == KEY_FIELDS
    assert body["billing_key_id"].startswith("bk_") and body["status"] == "active"
    assert (body["card_company"], body["card_number_masked"]) == ("KB국민", "94112222****4444")
    assert issued["billing_key"] not in response.content.decode()
    assert BillingKey.objects.get().key == issued["billing_key"]


def test_the_key_list_is_the_owners_only_staff_included(client_for, card, buyer, make_user):
    mine = card(buyer)
    other, staff = make_user(), make_user(is_staff=True)
    card(other)

    listed = client_for(buyer).get(KEYS).json()
    assert (listed["count"], [row["billing_key_id"] for row in listed["results"]]) == (
        1,
        [mine["billing_key_id"]],
    )
    assert set(listed["results"][0]) == KEY_FIELDS
    assert client_for(staff).get(KEYS).json()["results"] == []


def test_a_payment_receipt_is_not_a_billing_key(client_for, buyer, bootpay):
    receipt = bootpay.state.create_receipt(order_id="ord_" + "0" * 24, price=1_000, order_name="x")

    response = client_for(buyer).post(KEYS, {"receipt_id": receipt["receipt_id"]})

    assert assert_error(response, 400, "billing_key_invalid") == {"reason": "not_billing_receipt"}


def test_a_subscription_id_issued_to_another_buyer_or_to_nobody_is_refused(
    client_for, buyer, make_user, bootpay
):
    theirs = client_for(make_user()).post(REQUESTS).json()["subscription_id"]
    for subscription_id in (theirs, "bkr_" + "0" * 24):
        issued = issue_card(bootpay, subscription_id)
        response = client_for(buyer).post(KEYS, {"receipt_id": issued["receipt_id"]})
        assert assert_error(response, 400, "billing_key_invalid") == {"reason": "not_issued_to_you"}
    assert not BillingKey.objects.exists()


def test_a_receipt_registers_once(client_for, buyer, bootpay):
    client = client_for(buyer)
    issued = issue_card(bootpay, client.post(REQUESTS).json()["subscription_id"])
    assert client.post(KEYS, {"receipt_id": issued["receipt_id"]}).status_code == 201

    again = client.post(KEYS, {"receipt_id": issued["receipt_id"]})

    assert assert_error(again, 400, "billing_key_invalid") == {"reason": "already_registered"}
    assert BillingKey.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"receipt_id": ""}, {"receipt_id": "../x"}, {"receipt_id": ["a"]}])
def test_registering_needs_a_receipt_id(client_for, buyer, body):
    assert_error(client_for(buyer).post(KEYS, body), 400, "validation_error")


def test_an_unknown_receipt_is_a_validation_error(client_for, buyer):
    details = assert_error(client_for(buyer).post(KEYS, {"receipt_id": "a" * 24}), 400, "validation_error")
    assert "receipt_id" in details["fields"]


def test_removing_a_card_destroys_it_at_bootpay(client_for, card, buyer, bootpay):
    key = card(buyer)

    response = client_for(buyer).delete(key_url(key["billing_key_id"]))

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["removed_at"] is not None) == ("removed", True)
    [issued] = bootpay.state.list_billing_keys()
    assert issued["status"] == "destroyed"
    assert client_for(buyer).get(KEYS).json()["count"] == 0
    assert client_for(buyer).delete(key_url(key["billing_key_id"])).status_code == 200  # idempotent


def test_a_card_in_use_cannot_be_removed(client_for, subscribed, buyer):
    subscription = subscribed(buyer)

    response = client_for(buyer).delete(key_url(subscription["billing_key_id"]))

    details = assert_error(response, 409, "billing_key_in_use")
    assert details == {"subscription_ids": [subscription["subscription_id"]]}
    assert BillingKey.objects.get().status == "active"


def test_another_buyers_card_and_an_unknown_one_are_not_found(client_for, card, buyer, make_user):
    key = card(make_user())
    for caller in (buyer, make_user(is_staff=True)):
        assert_error(client_for(caller).delete(key_url(key["billing_key_id"])), 404, "billing_key_not_found")
    assert_error(client_for(buyer).delete(key_url("bk_" + "0" * 24)), 404, "billing_key_not_found")
    assert BillingKey.objects.get().status == "active"


def test_bootpay_not_answering_a_removal_leaves_the_card(client_for, card, buyer, bootpay):
    key = card(buyer)
    bootpay.state.add_fault(path="subscribe/billing_key/", mode="status_500", times=1)

    response = client_for(buyer).delete(key_url(key["billing_key_id"]))

    assert_error(response, 503, "gateway_unavailable")
    assert BillingKey.objects.get().status == "active"


# --- Subscriptions --------------------------------------------------------------------------------


def test_subscribing_charges_the_first_period_as_an_ordinary_order(client_for, card, buyer, monthly):
    key = card(buyer)

    response = client_for(buyer).post(
        SUBSCRIPTIONS, {"product_id": monthly.pk, "billing_key_id": key["billing_key_id"]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == SUBSCRIPTION_FIELDS
    assert body["subscription_id"].startswith("sub_")
    assert (body["status"], body["product_id"], body["interval"], body["price"]) == (
        "active",
        monthly.pk,
        "month",
        9_900,
    )
    assert (body["billing_key_id"], body["current_period"]) == (key["billing_key_id"], 1)
    assert body["next_charge_at"] == body["current_period_end"] is not None
    [charge] = body["charges"]
    assert set(charge) == {"order_id", "payment_id", "period", "status"}
    assert (charge["period"], charge["status"]) == (1, "paid")
    assert charge["order_id"].startswith("ord_") and charge["payment_id"].startswith("pay_")

    shown = client_for(buyer).get(subscription_url(body["subscription_id"])).json()
    assert shown == body
    listed = client_for(buyer).get(SUBSCRIPTIONS).json()
    assert (listed["count"], listed["results"]) == (1, [body])


def test_a_second_live_subscription_to_one_product_is_refused_without_a_charge(
    client_for, card, buyer, monthly, bootpay
):
    key = card(buyer)
    body = {"product_id": monthly.pk, "billing_key_id": key["billing_key_id"]}
    first = client_for(buyer).post(SUBSCRIPTIONS, body).json()
    charges = bootpay.state.call_count("POST", "subscribe/payment")

    again = client_for(buyer).post(SUBSCRIPTIONS, body)

    assert assert_error(again, 409, "subscription_exists") == {"subscription_id": first["subscription_id"]}
    assert bootpay.state.call_count("POST", "subscribe/payment") == charges
    assert Subscription.objects.count() == 1


def test_a_product_not_sold_by_subscription_is_refused(client_for, card, buyer, make_product):
    key = card(buyer)
    plain = make_product(price=5_000)

    response = client_for(buyer).post(
        SUBSCRIPTIONS, {"product_id": plain.pk, "billing_key_id": key["billing_key_id"]}
    )

    assert assert_error(response, 400, "product_not_subscribable") == {"product_id": plain.pk}
    assert not Subscription.objects.exists()


def test_an_unknown_product_is_not_found(client_for, card, buyer):
    key = card(buyer)
    response = client_for(buyer).post(
        SUBSCRIPTIONS, {"product_id": 999_999, "billing_key_id": key["billing_key_id"]}
    )
    assert_error(response, 404, "product_not_found")


def test_only_an_own_active_card_subscribes(client_for, card, buyer, make_user, monthly):
    theirs = card(make_user())
    removed = card(buyer)
    client_for(buyer).delete(key_url(removed["billing_key_id"]))

    for billing_key_id in (theirs["billing_key_id"], removed["billing_key_id"], "bk_" + "0" * 24):
        response = client_for(buyer).post(
            SUBSCRIPTIONS, {"product_id": monthly.pk, "billing_key_id": billing_key_id}
        )
        assert_error(response, 404, "billing_key_not_found")
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"product_id": 1},
        {"billing_key_id": "bk_x"},
        {"product_id": 0, "billing_key_id": "bk_x"},
        {"product_id": "one", "billing_key_id": "bk_x"},
        {"product_id": 1, "billing_key_id": "b" * 41},
    ],
)
def test_subscribing_needs_a_product_and_a_card(client_for, buyer, body):
    assert_error(client_for(buyer).post(SUBSCRIPTIONS, body), 400, "validation_error")


def test_a_declined_first_charge_cancels_the_subscription(client_for, card, buyer, monthly):
    key = card(buyer, decline=True)

    response = client_for(buyer).post(
        SUBSCRIPTIONS, {"product_id": monthly.pk, "billing_key_id": key["billing_key_id"]}
    )

    details = assert_error(response, 409, "payment_failed")
    assert details["pg_code"] == "RC_CARD_DECLINED"
    shown = client_for(buyer).get(subscription_url(details["subscription_id"])).json()
    assert shown["status"] == "cancelled" and shown["next_charge_at"] is None
    assert [charge["status"] for charge in shown["charges"]] == ["declined"]
    assert BillingKey.objects.get().status == "active"  # the card is kept for another try


def test_bootpay_not_answering_the_first_charge_leaves_it_unknown(client_for, card, buyer, monthly, bootpay):
    key = card(buyer)
    bootpay.state.add_fault(path="subscribe/payment", mode="lost_answer", times=1)  # charged, no answer

    response = client_for(buyer).post(
        SUBSCRIPTIONS, {"product_id": monthly.pk, "billing_key_id": key["billing_key_id"]}
    )

    details = assert_error(response, 503, "gateway_unavailable")
    shown = client_for(buyer).get(subscription_url(details["subscription_id"])).json()
    assert shown["status"] == "active"
    assert [charge["status"] for charge in shown["charges"]] == ["unknown"]


def test_another_buyer_never_sees_a_subscription(client_for, subscribed, buyer, make_user, monthly):
    subscription = subscribed(buyer)
    other, seller = make_user(), monthly.seller.user

    for caller in (other, seller):
        client = client_for(caller)
        assert client.get(SUBSCRIPTIONS).json() == {
            "count": 0,
            "count_capped": False,
            "next": None,
            "previous": None,
            "results": [],
        }
        assert_error(
            client.get(subscription_url(subscription["subscription_id"])), 404, "subscription_not_found"
        )
        cancel = client.post(subscription_url(subscription["subscription_id"], "cancel"))
        assert_error(cancel, 404, "subscription_not_found")
    assert Subscription.objects.get().status == "active"


def test_staff_see_every_subscription_and_may_cancel_one(client_for, subscribed, buyer, make_user):
    subscription = subscribed(buyer)
    staff = client_for(make_user(is_staff=True))

    assert [row["subscription_id"] for row in staff.get(SUBSCRIPTIONS).json()["results"]] == [
        subscription["subscription_id"]
    ]
    assert staff.get(subscription_url(subscription["subscription_id"])).json() == subscription
    cancelled = staff.post(subscription_url(subscription["subscription_id"], "cancel"))
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (
        Subscription.objects.get().events.filter(kind="cancelled", data__reason="cancelled_by_staff").exists()
    )


def test_cancelling_stops_the_charges_and_destroys_the_unused_card(client_for, subscribed, buyer, bootpay):
    subscription = subscribed(buyer)
    client = client_for(buyer)

    response = client.post(subscription_url(subscription["subscription_id"], "cancel"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["next_charge_at"]) == ("cancelled", None)
    assert body["cancelled_at"] is not None
    assert [charge["status"] for charge in body["charges"]] == ["paid"]  # the paid period stays paid
    assert bootpay.state.list_billing_keys()[0]["status"] == "destroyed"
    assert client.get(KEYS).json()["count"] == 0
    again = client.post(subscription_url(subscription["subscription_id"], "cancel"))
    assert (again.status_code, again.json()) == (200, body)  # idempotent


def test_an_unknown_subscription_is_not_found(client_for, buyer):
    for path in (subscription_url("sub_" + "0" * 24), subscription_url("x" * 300)):
        assert_error(client_for(buyer).get(path), 404, "subscription_not_found")
    assert_error(client_for(buyer).post(subscription_url("nope", "cancel")), 404, "subscription_not_found")


ENDPOINTS = [
    ("post", REQUESTS),
    ("get", KEYS),
    ("post", KEYS),
    ("delete", key_url("bk_" + "0" * 24)),
    ("get", SUBSCRIPTIONS),
    ("post", SUBSCRIPTIONS),
    ("get", subscription_url("sub_" + "0" * 24)),
    ("post", subscription_url("sub_" + "0" * 24, "cancel")),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_billing_endpoint_needs_a_signed_in_caller(client_for, method, path):
    client = client_for(None)
    response = client.get(path) if method == "get" else getattr(client, method)(path)
    assert_error(response, 401, "not_authenticated")


def test_products_say_whether_they_are_sold_by_subscription(client_for, make_product):
    weekly, plain = make_product(subscription_interval="week"), make_product()
    client = client_for(None)

    assert client.get(f"/api/v1/products/{weekly.pk}/").json()["subscription_interval"] == "week"
    assert client.get(f"/api/v1/products/{plain.pk}/").json()["subscription_interval"] is None


def test_no_answer_of_any_billing_endpoint_carries_a_key(
    client_for, card, subscribed, buyer, make_user, watch
):
    """Every path, for the owner, another buyer and staff, after keys were issued, registered, used,
    removed and refused: the watch scans each answer for every plain key, ciphertext and fingerprint."""
    subscription = subscribed(buyer)
    spare = card(buyer)
    declined = card(buyer, decline=True)
    for user in (buyer, make_user(), make_user(is_staff=True)):
        client = client_for(user)
        client.post(REQUESTS)
        client.get(KEYS)
        client.get(SUBSCRIPTIONS)
        client.get(subscription_url(subscription["subscription_id"]))
        client.post(
            SUBSCRIPTIONS,
            {"product_id": subscription["product_id"], "billing_key_id": declined["billing_key_id"]},
        )
        client.delete(key_url(subscription["billing_key_id"]))
        client.post(subscription_url(subscription["subscription_id"], "cancel"))
        client.delete(key_url(spare["billing_key_id"]))
    assert len(watch.secrets()) == 3 * 3  # three keys: plain, ciphertext, fingerprint each
    assert watch.assert_clean() > 30
