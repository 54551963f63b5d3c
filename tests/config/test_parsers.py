"""Hostile JSON bodies on every REST operation that takes one: a 400 envelope, never a 500.

The operations come from the OpenAPI document, so a new endpoint is covered the day it is added.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from payments.models import WebhookDelivery
from tests.config.test_exception_handler import assert_envelope

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/webhooks/bootpay/"


def _operations_with_a_body() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))  # the body is read before any lookup
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]


OPERATIONS = _operations_with_a_body()
DEEP_BODIES = {
    "array": b"[" * 1_000 + b"]" * 1_000,
    "object": b'{"a": ' * 1_000 + b"1" + b"}" * 1_000,
    "just over the limit": b'{"items": ' + b"[" * 32 + b"]" * 32 + b"}",
}


def test_the_operations_under_test_include_the_ones_the_review_named():
    assert {
        ("POST", "/api/v1/auth/token/"),
        ("POST", "/api/v1/orders/"),
        ("POST", "/api/v1/payments/verify/"),
        ("POST", "/api/v1/products/"),
        ("POST", WEBHOOK),
    } <= set(OPERATIONS)


@pytest.fixture
def client(api_client_for, buyer):
    client = api_client_for(buyer)
    client.raise_request_exception = False  # a crash must show as the 500 a partner would get
    return client


def _send(client, method: str, path: str, body: bytes):
    return client.generic(method, path, body, content_type="application/json")


def _expected_code(path: str) -> set[str]:
    # The webhook stores what it cannot read as an invalid delivery: validation_error (no receipt_id).
    return {"parse_error", "validation_error"} if path == WEBHOOK else {"parse_error"}


@pytest.mark.parametrize("shape", DEEP_BODIES)
@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[1] != WEBHOOK])
def test_deeply_nested_json_is_a_parse_error(client, method, path, shape):
    response = _send(client, method, path, DEEP_BODIES[shape])

    assert_envelope(response, 400, "parse_error")


# The webhook parses its raw body itself (it stores it first), with the same depth-limited loader.
@pytest.mark.parametrize("shape", list(DEEP_BODIES))
def test_the_webhook_stores_a_deeply_nested_body_as_invalid(client, shape):
    response = _send(client, "POST", WEBHOOK, DEEP_BODIES[shape])

    assert_envelope(response, 400, "validation_error")
    assert list(WebhookDelivery.objects.values_list("state", flat=True)) == [WebhookDelivery.State.INVALID]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_body_that_is_not_utf8_is_a_parse_error(client, method, path):
    response = _send(client, method, path, b'{"reason": "\xff\xfe", "name": "\xc3("}')

    assert response.status_code == 400, response.content
    assert response.json()["code"] in _expected_code(path)


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[1] != WEBHOOK])
def test_a_nul_in_any_string_or_key_of_the_body_is_refused_with_its_path(client, method, path):
    # Even where no serializer field would look (an unknown key), a NUL never reaches a query.
    body = b'{"items": [{"product_id": 1, "quantity": 1}], "note\\u0000": "x", "reason": "a\\u0000b"}'

    body_envelope = assert_envelope(_send(client, method, path, body), 400, "validation_error")

    assert set(body_envelope["details"]["fields"]) == {"note\x00", "reason"}


def test_a_nul_in_a_nested_string_is_named_by_its_path(client):
    body = b'{"items": [{"product_id": 1, "quantity": 1}, {"product_id": "1\\u0000", "quantity": 1}]}'

    body_envelope = assert_envelope(_send(client, "POST", "/api/v1/orders/", body), 400, "validation_error")

    assert list(body_envelope["details"]["fields"]) == ["items[1].product_id"]


def test_ordinary_bodies_still_parse(client, make_product):
    product = make_product(price=1_000)
    body = b'{"items": [{"product_id": %d, "quantity": 2}]}' % product.pk

    response = _send(client, "POST", "/api/v1/orders/", body)

    assert response.status_code == 201 and response.json()["total_amount"] == 2_000
