"""The one REST error envelope: every failure, whoever raises it, is `{code, message, details}`."""

import logging
from unittest import mock

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import Client, RequestFactory
from django.utils import translation
from rest_framework import exceptions

from config.errors import HTTP_STATUS_BY_CODE, DomainError, ErrorCode
from config.exception_handler import api_handler500, exception_handler, flatten_errors

pytestmark = pytest.mark.django_db


def _handle(exc: Exception):
    return exception_handler(exc, {"view": None, "request": None})


def assert_envelope(response, status: int, code: str) -> dict:
    body = response.json() if hasattr(response, "json") and callable(response.json) else response.data
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


# --- the handler, exception by exception -----------------------------------------------------------


def test_domain_error_keeps_its_code_details_and_table_status():
    response = _handle(DomainError(ErrorCode.INSUFFICIENT_STOCK, details={"items": [{"product_id": 1}]}))

    assert response.status_code == 409
    assert response.data["code"] == "insufficient_stock"
    assert response.data["details"] == {"items": [{"product_id": 1}]}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_has_a_status_and_travels_with_it(code):
    response = _handle(DomainError(code))

    assert response.status_code == HTTP_STATUS_BY_CODE[code]
    assert response.data["code"] == code.value


def test_drf_validation_error_lists_fields_flat_with_the_services_paths():
    detail = {
        "name": ["This field is required."],
        "items": [{}, {"quantity": ["Too small."], "product_id": ["Not a number."]}],
        "non_field_errors": ["Inconsistent."],
    }

    response = _handle(exceptions.ValidationError(detail))

    assert response.status_code == 400
    assert response.data["code"] == "validation_error"
    assert response.data["details"] == {
        "fields": {
            "name": ["This field is required."],
            "items[1].quantity": ["Too small."],
            "items[1].product_id": ["Not a number."],
            "non_field_errors": ["Inconsistent."],
        }
    }


def test_list_serializer_errors_keyed_by_index_are_flattened_the_same_way():
    assert flatten_errors({"items": {0: {"quantity": ["bad"]}, 3: {"product_id": ["bad"]}}}) == {
        "items[0].quantity": ["bad"],
        "items[3].product_id": ["bad"],
    }


def test_a_bare_validation_error_is_a_non_field_error():
    response = _handle(exceptions.ValidationError("Nope."))

    assert response.data["details"] == {"fields": {"non_field_errors": ["Nope."]}}


def test_django_validation_error_from_a_model_becomes_validation_error():
    response = _handle(DjangoValidationError({"price": ["Must be positive."]}))

    assert response.status_code == 400
    assert response.data["details"]["fields"] == {"price": ["Must be positive."]}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 401, "not_authenticated"),
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotFound(), 404, "not_found"),
        (Http404(), 404, "not_found"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
        (exceptions.NotAcceptable(), 406, "not_acceptable"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (exceptions.ParseError(), 400, "parse_error"),
    ],
)
def test_drf_and_django_exceptions_map_to_one_code_each(exc, status, code):
    response = _handle(exc)

    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["details"] == {}


def test_throttled_tells_when_to_retry_in_details_and_header():
    response = _handle(exceptions.Throttled(wait=12.2))

    assert response.status_code == 429
    assert response.data["code"] == "throttled"
    assert response.data["details"] == {"retry_after": 13}
    assert response.headers["Retry-After"] == "13"


def test_an_unexpected_exception_is_logged_and_answered_without_its_text(caplog):
    with caplog.at_level(logging.ERROR, logger="config.exception_handler"), translation.override("en"):
        response = _handle(RuntimeError("db password is hunter2"))

    assert response.status_code == 500
    assert response.data == {"code": "internal_error", "message": "Internal server error.", "details": {}}
    assert "hunter2" not in str(response.data)
    assert caplog.records and caplog.records[-1].exc_info is not None  # the traceback is in the log


def test_an_unknown_5xx_api_exception_is_treated_as_a_bug():
    response = _handle(exceptions.APIException("upstream exploded"))

    assert response.status_code == 500
    assert response.data["code"] == "internal_error"


# --- through HTTP ------------------------------------------------------------------------------------


def test_missing_credentials_are_401_with_the_token_challenge(api_client_for):
    response = api_client_for(None).get("/api/v1/orders/")

    assert_envelope(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert_envelope(api_client.get("/api/v1/products/"), 401, "not_authenticated")


def test_unsupported_method_is_405(api_client_for, buyer):
    response = api_client_for(buyer).delete("/api/v1/products/")

    assert_envelope(response, 405, "method_not_allowed")


def test_unacceptable_accept_header_is_406(api_client_for, buyer):
    response = api_client_for(buyer).get("/api/v1/products/", HTTP_ACCEPT="application/xml")

    assert_envelope(response, 406, "not_acceptable")


def test_non_json_body_is_415(api_client_for, buyer):
    response = api_client_for(buyer).post("/api/v1/orders/", "items=1", content_type="text/plain")

    assert_envelope(response, 415, "unsupported_media_type")


def test_malformed_json_is_400_parse_error(api_client_for, buyer):
    response = api_client_for(buyer).post("/api/v1/orders/", "{not json", content_type="application/json")

    assert_envelope(response, 400, "parse_error")


def test_a_crash_inside_a_view_is_a_generic_500(api_client_for, buyer, caplog):
    with mock.patch("orders.api.views.product_list_visible", side_effect=RuntimeError("secret detail")):
        response = api_client_for(buyer).get("/api/v1/products/")

    body = assert_envelope(response, 500, "internal_error")
    assert "secret detail" not in response.content.decode()
    assert body["details"] == {}
    assert any("secret detail" in (record.exc_text or "") for record in caplog.records)


def test_unknown_api_url_is_the_json_envelope():
    response = Client().get("/api/v1/no-such-thing/")

    assert response["Content-Type"] == "application/json"
    assert_envelope(response, 404, "not_found")


def test_unknown_url_outside_the_api_stays_django_html():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_django_500_under_api_is_the_json_envelope():
    response = api_handler500(RequestFactory().get("/api/v1/products/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"code": "internal_error"' in response.content


def test_throttled_requests_get_429_with_retry_after(api_client):
    # The token endpoint has the tightest scope (auth_token, 30/min per client IP).
    for _ in range(30):
        api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")

    response = api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")

    body = assert_envelope(response, 429, "throttled")
    assert isinstance(body["details"]["retry_after"], int) and body["details"]["retry_after"] > 0
    assert int(response.headers["Retry-After"]) == body["details"]["retry_after"]


def test_errors_about_a_nested_value_as_a_whole_belong_to_its_field():
    assert flatten_errors({"items": {"non_field_errors": ["Too many."]}}) == {"items": ["Too many."]}
