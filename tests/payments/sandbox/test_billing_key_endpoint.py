"""`POST /api/v1/sandbox/billing-keys/`: the TEST PAYMENT panel's requestSubscription (sandbox mode only)."""

import pytest

from payments import gateway
from payments.sandbox.checkout import sandbox_issue_billing_key

URL = "/api/v1/sandbox/billing-keys/"
SUBSCRIPTION_ID = "bkr_00112233445566778899aabb"


def _issue(client, body):
    return client.post(URL, body, format="json")


@pytest.mark.parametrize("mode", ["production", "development"])
def test_outside_sandbox_mode_the_endpoint_does_not_exist(mode, settings, buyer, api_client_for, bootpay):
    settings.BOOTPAY_MODE = mode
    for client in (api_client_for(buyer), api_client_for(None)):
        response = _issue(client, {"subscription_id": SUBSCRIPTION_ID})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert bootpay.state.list_billing_keys() == []


def test_outside_sandbox_mode_the_helper_refuses_too(settings, bootpay):
    from config.errors import DomainError

    settings.BOOTPAY_MODE = "production"
    with pytest.raises(DomainError) as error:
        sandbox_issue_billing_key(SUBSCRIPTION_ID)
    assert error.value.code == "not_found"


def test_a_buyer_gets_the_issuance_receipt_and_never_the_key(buyer, api_client_for, bootpay):
    response = _issue(api_client_for(buyer), {"subscription_id": SUBSCRIPTION_ID})

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"receipt_id"}
    [issued] = bootpay.state.list_billing_keys()
    assert (issued["receipt_id"], issued["subscription_id"], issued["decline"]) == (
        body["receipt_id"],
        SUBSCRIPTION_ID,
        False,
    )
    assert issued["billing_key"] not in response.content.decode()
    info = gateway.get_gateway().billing_key_for_receipt(body["receipt_id"])  # what registration does
    assert (info.subscription_id, info.status, info.billing_key) == (
        SUBSCRIPTION_ID,
        11,
        issued["billing_key"],
    )


def test_a_declining_test_card_on_request(buyer, api_client_for, bootpay):
    response = _issue(api_client_for(buyer), {"subscription_id": SUBSCRIPTION_ID, "decline": True})

    assert response.status_code == 201
    assert bootpay.state.list_billing_keys()[0]["decline"] is True


def test_anonymous_callers_are_refused(api_client_for, bootpay):
    response = _issue(api_client_for(None), {"subscription_id": SUBSCRIPTION_ID})

    assert response.status_code in (401, 403)
    assert bootpay.state.list_billing_keys() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subscription_id": ""},
        {"subscription_id": "../receipts"},
        {"subscription_id": "a b"},
        {"subscription_id": "a" * 65},
        {"subscription_id": ["bkr"]},
        {"subscription_id": SUBSCRIPTION_ID, "decline": "maybe"},
    ],
)
def test_bad_input_is_a_validation_error(body, buyer, api_client_for, bootpay):
    response = _issue(api_client_for(buyer), body)

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert bootpay.state.list_billing_keys() == []


def test_the_emulator_not_answering_is_gateway_unavailable(buyer, api_client_for, make_gateway, db):
    gateway.set_gateway(make_gateway(api_url="http://127.0.0.1:9/v2", timeout_s=0.5))
    try:
        response = _issue(api_client_for(buyer), {"subscription_id": SUBSCRIPTION_ID})
    finally:
        gateway.set_gateway(None)

    assert (response.status_code, response.json()["code"]) == (503, "gateway_unavailable")


def test_like_the_sandbox_payment_route_it_is_no_part_of_the_partner_api(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert URL not in paths and "/api/v1/sandbox/payments/" not in paths
