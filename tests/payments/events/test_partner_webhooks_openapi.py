"""The webhook catalogue and the endpoint management operations in the OpenAPI document."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from payments.events.catalogue import CATALOGUE


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_event_type_is_a_documented_webhook_with_its_body_and_signature_headers(openapi):
    webhooks = openapi["x-webhooks"]
    schemas = openapi["components"]["schemas"]

    assert set(webhooks) == {str(kind) for kind in CATALOGUE}
    for kind, item in webhooks.items():
        operation = item["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.rsplit("/", 1)[1]]
        assert body["properties"]["type"]["enum"] == [kind]
        assert set(body["properties"]["data"]["properties"]) == set(CATALOGUE[kind].data)
    assert "Staff endpoints only" in webhooks["pg_outcome.open"]["post"]["description"]


def test_the_endpoint_operations_are_documented(openapi):
    paths = openapi["paths"]
    base = "/api/v1/webhook-endpoints/"

    assert set(paths[base]) >= {"get", "post"}
    assert set(paths[base + "{endpoint_id}/"]) >= {"get", "patch", "delete"}
    assert "post" in paths[base + "{endpoint_id}/rotate-secret/"]
    assert "get" in paths[base + "{endpoint_id}/deliveries/"]
    assert "post" in paths[base + "{endpoint_id}/deliveries/{delivery_id}/replay/"]
    created = paths[base]["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert created.endswith("/WebhookEndpointWithSecret")
    assert "secret" not in openapi["components"]["schemas"]["WebhookEndpoint"]["properties"]
