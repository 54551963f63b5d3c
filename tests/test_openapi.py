"""The OpenAPI document: valid, warning-free, and every operation documents its errors."""

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from config.errors import HTTP_STATUS_BY_CODE, ErrorCode
from config.openapi import ErrorEnvelopeSerializer, error_responses
from config.pagination import LIST_COUNT_CAP

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_the_schema_validates_without_a_single_warning(tmp_path):
    # Raises SystemExit / CommandError on a warning or an invalid document.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").stat().st_size > 0


@pytest.mark.django_db
def test_the_schema_is_served_at_api_schema(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Marketplace payments API"


def test_the_endpoints_of_the_design_are_documented(openapi):
    operations = {label for label, _ in _operations(openapi)}

    assert {
        "POST /api/v1/auth/token/",
        "GET /api/v1/products/",
        "POST /api/v1/products/",
        "GET /api/v1/products/{id}/",
        "PATCH /api/v1/products/{id}/",
        "GET /api/v1/orders/",
        "POST /api/v1/orders/",
        "GET /api/v1/orders/{order_id}/",
        "POST /api/v1/orders/{order_id}/cancel/",
        "POST /api/v1/billing-keys/requests/",
        "POST /api/v1/billing-keys/",
        "GET /api/v1/billing-keys/",
        "DELETE /api/v1/billing-keys/{billing_key_id}/",
        "POST /api/v1/subscriptions/",
        "GET /api/v1/subscriptions/",
        "GET /api/v1/subscriptions/{subscription_id}/",
        "POST /api/v1/subscriptions/{subscription_id}/cancel/",
        "GET /api/v1/statements/",
    } <= operations


def test_every_operation_documents_its_errors_with_the_envelope_and_an_example_per_code(openapi):
    for label, operation in _operations(openapi):
        errors = {status: response for status, response in operation["responses"].items() if status >= "400"}
        assert errors, f"{label} documents no error response"
        for status, response in errors.items():
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (label, status)
            codes = [example["value"]["code"] for example in content["examples"].values()]
            assert codes, (label, status)
            for code in codes:
                assert HTTP_STATUS_BY_CODE[ErrorCode(code)] == int(status), (label, status, code)


def test_every_operation_has_a_stable_operation_id(openapi):
    ids = [operation["operationId"] for _, operation in _operations(openapi)]

    assert len(ids) == len(set(ids))


def test_the_error_code_enum_lists_the_whole_vocabulary_under_a_stable_name(openapi):
    schemas = openapi["components"]["schemas"]

    assert schemas["Error"]["properties"]["code"]["allOf"] == [{"$ref": "#/components/schemas/ErrorCodeEnum"}]
    assert set(schemas["ErrorCodeEnum"]["enum"]) == set(ErrorCode.values)
    assert set(schemas["Error"]["required"]) == {"code", "message", "details"}


def test_shared_choice_sets_have_stable_enum_names(openapi):
    schemas = openapi["components"]["schemas"]

    assert schemas["Order"]["properties"]["status"]["allOf"] == [
        {"$ref": "#/components/schemas/OrderStatusEnum"}
    ]
    assert schemas["OrderItem"]["properties"]["status"]["allOf"] == [
        {"$ref": "#/components/schemas/OrderItemStatusEnum"}
    ]


def test_token_and_session_security_schemes_are_declared(openapi):
    schemes = openapi["components"]["securitySchemes"]

    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["tokenAuth"]["description"],
    }
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_lists_are_paginated_envelopes(openapi):
    schemas = openapi["components"]["schemas"]
    assert set(schemas["PaginatedProductList"]["properties"]) == {"count", "next", "previous", "results"}
    # The keyset lists keep those keys and add `count_capped`: `count` stops at LIST_COUNT_CAP.
    for name in (
        "PaginatedOrderList",
        "PaginatedPaymentSummaryList",
        "PaginatedBillingKeyList",
        "PaginatedSubscriptionList",
    ):
        properties = schemas[name]["properties"]
        assert set(properties) == {"count", "count_capped", "next", "previous", "results"}
        assert properties["count"]["maximum"] == LIST_COUNT_CAP


def test_the_keyset_lists_document_cursor_page_and_page_size(openapi):
    for path in ("/api/v1/orders/", "/api/v1/payments/", "/api/v1/billing-keys/", "/api/v1/subscriptions/"):
        names = {parameter["name"] for parameter in openapi["paths"][path]["get"]["parameters"]}
        assert {"cursor", "page", "page_size"} <= names
    roles = next(p for p in openapi["paths"]["/api/v1/orders/"]["get"]["parameters"] if p["name"] == "role")
    assert roles["schema"]["enum"] == ["buyer", "seller", "staff"]


def test_order_lines_document_their_count_bounds(openapi):
    # minItems/maxItems let generated clients (and schemathesis) know what the serializer refuses.
    items = openapi["components"]["schemas"]["OrderCreateRequest"]["properties"]["items"]

    assert (items["minItems"], items["maxItems"]) == (1, settings.ORDER_MAX_LINES)


def test_a_seller_view_of_an_order_is_documented_as_nullable_totals(openapi):
    order = openapi["components"]["schemas"]["Order"]["properties"]

    assert order["total_amount"]["nullable"] is True and order["seller_total"]["nullable"] is True
    assert openapi["components"]["schemas"]["ViewerRoleEnum"]["enum"] == ["buyer", "seller", "staff"]


def test_error_responses_groups_codes_by_status_with_one_example_each():
    responses = error_responses(
        ErrorCode.VALIDATION_ERROR,
        ErrorCode.PARSE_ERROR,
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.VALIDATION_ERROR,  # repeated: documented once
    )

    assert sorted(responses) == [400, 404]
    assert responses[400].response is ErrorEnvelopeSerializer
    assert [example.value["code"] for example in responses[400].examples] == [
        "validation_error",
        "parse_error",
    ]
    assert [example.status_codes for example in responses[404].examples] == [["404"]]
    assert all(example.response_only for example in responses[400].examples)


def test_no_billing_schema_offers_a_key_field(openapi):
    # The key, its ciphertext and its fingerprint are never serialized; the schema says so too.
    schemas = openapi["components"]["schemas"]
    for name in ("BillingKey", "BillingKeyRequest", "Subscription", "SubscriptionCharge"):
        assert not {"billing_key", "key_encrypted", "key_fingerprint", "key"} & set(
            schemas[name]["properties"]
        )
    assert schemas["Product"]["properties"]["subscription_interval"]["nullable"] is True
    assert schemas["SubscriptionIntervalEnum"]["enum"] == ["week", "month", "year"]


def test_the_statement_documents_json_and_csv_and_its_period(openapi):
    operation = openapi["paths"]["/api/v1/statements/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}

    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert operation["responses"]["200"]["content"]["text/csv"]["schema"] == {"type": "string"}
    # Errors are JSON only, whatever format was asked for.
    for status in ("400", "401", "403", "406"):
        assert set(operation["responses"][status]["content"]) == {"application/json"}, status
    assert parameters["from"]["required"] and parameters["to"]["required"]
    assert parameters["from"]["schema"] == {"type": "string", "format": "date"}
    assert sorted(parameters["format"]["schema"]["enum"]) == ["csv", "json"]
    assert parameters["headers"]["schema"]["enum"] == ["en", "ko"]
    statement = openapi["components"]["schemas"]["Statement"]
    assert list(statement["properties"]) == ["from", "to", "timezone", "currency", "sellers", "total"]
    assert statement["properties"]["total"]["nullable"] is True
