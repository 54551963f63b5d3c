"""REST: /api/v1/webhook-endpoints/ — who may manage which endpoint, the secret shown once, input rules,
rotation, the delivery log and replay."""

import pytest

from payments.events.models import WebhookEndpoint, WebhookEndpointDelivery

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhook-endpoints/"


@pytest.fixture
def seller(make_seller):
    return make_seller("hooked")


@pytest.fixture
def as_seller(api_client_for, seller):
    return api_client_for(seller.user)


def _create(client, url="http://127.0.0.1:9/hooks", **extra):
    return client.post(BASE, {"url": url, **extra}, format="json")


def test_a_seller_creates_an_endpoint_and_sees_its_secret_only_in_that_answer(as_seller, seller):
    created = _create(as_seller, event_types=["refund.succeeded", "order.paid"])

    assert created.status_code == 201
    body = created.json()
    assert body["endpoint_id"].startswith("we_") and body["secret"].startswith("whsec_")
    assert (body["scope"], body["enabled"], body["event_types"]) == (
        "seller",
        True,
        ["order.paid", "refund.succeeded"],
    )
    detail = as_seller.get(f"{BASE}{body['endpoint_id']}/")
    listed = as_seller.get(BASE)
    assert detail.status_code == listed.status_code == 200
    assert "secret" not in detail.json() and body["secret"] not in detail.content.decode()
    assert [row["endpoint_id"] for row in listed.json()["results"]] == [body["endpoint_id"]]
    assert body["secret"] not in listed.content.decode()
    stored = WebhookEndpoint.objects.get(endpoint_id=body["endpoint_id"])
    assert stored.seller == seller and body["secret"] not in stored.secret_encrypted


def test_staff_endpoints_get_every_event_and_staff_see_every_endpoint(api_client_for, make_user, as_seller):
    staff = api_client_for(make_user("ops", is_staff=True))
    theirs = _create(as_seller).json()["endpoint_id"]

    created = _create(staff, event_types=["pg_outcome.open"])

    assert created.status_code == 201 and created.json()["scope"] == "staff"
    ids = {row["endpoint_id"] for row in staff.get(BASE).json()["results"]}
    assert ids == {theirs, created.json()["endpoint_id"]}
    assert staff.get(f"{BASE}{theirs}/").status_code == 200


def test_a_buyer_is_refused_with_permission_denied(api_client_for, buyer):
    client = api_client_for(buyer)

    for response in (client.get(BASE), _create(client), client.get(f"{BASE}we_x/")):
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_anonymous_callers_are_not_authenticated(api_client):
    response = api_client.get(BASE)

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_another_sellers_endpoint_is_not_found(api_client_for, make_seller, as_seller):
    endpoint_id = _create(as_seller).json()["endpoint_id"]
    other = api_client_for(make_seller("other").user)
    path = f"{BASE}{endpoint_id}/"

    for response in (
        other.get(path),
        other.patch(path, {"enabled": False}, format="json"),
        other.delete(path),
        other.post(f"{path}rotate-secret/"),
        other.get(f"{path}deliveries/"),
        other.post(f"{path}deliveries/wd_x/replay/"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert WebhookEndpoint.objects.get(endpoint_id=endpoint_id).enabled


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "url"),
        ({"url": "http://127.0.0.1:99999/x"}, "url"),
        ({"url": "http://" + "a" * 2000 + ".com/"}, "url"),
        ({}, "url"),
        ({"url": "http://127.0.0.1/x", "event_types": ["order.shipped"]}, "event_types"),
        ({"url": "http://127.0.0.1/x", "event_types": "order.paid"}, "event_types"),
        ({"url": "http://127.0.0.1/x", "event_types": ["pg_outcome.open"]}, "event_types"),  # staff only
        ({"url": "http://127.0.0.1/x", "enabled": "maybe"}, "enabled"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(as_seller, payload, field):
    response = as_seller.post(BASE, payload, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert any(name.startswith(field) for name in response.json()["details"]["fields"])


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # https only
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.0.0.8/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
    ],
)
def test_production_mode_refuses_plain_http_and_private_hosts(settings, as_seller, url):
    settings.BOOTPAY_MODE = "production"

    response = _create(as_seller, url=url)

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert "url" in response.json()["details"]["fields"]


def test_patch_changes_the_endpoint_and_checks_the_same_rules(as_seller):
    endpoint_id = _create(as_seller).json()["endpoint_id"]
    path = f"{BASE}{endpoint_id}/"

    changed = as_seller.patch(path, {"event_types": ["order.paid"], "enabled": False}, format="json")
    refused = as_seller.patch(path, {"url": "gopher://127.0.0.1/"}, format="json")

    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["enabled"]) == (["order.paid"], False)
    assert changed.json()["disabled_reason"].startswith("disabled by")
    assert (refused.status_code, refused.json()["code"]) == (400, "validation_error")


def test_rotation_answers_a_new_secret_once_and_keeps_the_old_one_for_the_window(as_seller):
    created = _create(as_seller).json()
    path = f"{BASE}{created['endpoint_id']}/"

    rotated = as_seller.post(f"{path}rotate-secret/")

    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_valid_until"] is not None
    assert rotated.json()["secret"] not in as_seller.get(path).content.decode()


def test_delete_removes_the_endpoint(as_seller):
    path = f"{BASE}{_create(as_seller).json()['endpoint_id']}/"

    assert as_seller.delete(path).status_code == 204
    assert as_seller.get(path).status_code == 404


def test_the_delivery_log_and_a_replay(seller, as_seller, receiver, emit, on_commit, buyer, make_product):
    from orders.services import OrderLine, order_create

    # Given a seller endpoint at a real receiver, and one event of the seller's order delivered
    partner = receiver()
    created = _create(as_seller, url=partner.url).json()
    partner.secrets.append(created["secret"])
    order = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=seller).pk, 1)])
    emit(order)
    path = f"{BASE}{created['endpoint_id']}/deliveries/"

    # When the log is read
    log = as_seller.get(path)

    # Then it shows the delivery, its attempt, status and latency
    assert log.status_code == 200
    [row] = log.json()["results"]
    assert row["delivery_id"].startswith("wd_") and row["event_type"] == "order.paid"
    assert (row["state"], row["attempts"], row["last_status_code"]) == ("succeeded", 1, 200)
    assert [attempt["status_code"] for attempt in row["attempt_log"]] == [200]
    assert as_seller.get(path, {"state": "failed"}).json()["results"] == []

    # And a replay is accepted, then sent again after commit with the same webhook-id
    replayed = on_commit(lambda: as_seller.post(f"{path}{row['delivery_id']}/replay/"))

    assert (replayed.status_code, replayed.json()["state"]) == (202, "pending")
    assert partner.accepted_ids() == [row["event_id"]] * 2
    assert WebhookEndpointDelivery.objects.values_list("state", "attempts").get() == ("succeeded", 2)
    missing = as_seller.post(f"{path}wd_nope/replay/")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
