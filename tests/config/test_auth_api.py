"""POST /api/v1/auth/token/: username + password → token."""

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_valid_credentials_return_the_users_token_which_then_authenticates(api_client, buyer):
    response = api_client.post(URL, {"username": "buyer", "password": "pw-123456"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=buyer).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/orders/").status_code == 200


def test_asking_again_returns_the_same_token(api_client, buyer):
    first = api_client.post(URL, {"username": "buyer", "password": "pw-123456"}, format="json").json()
    second = api_client.post(URL, {"username": "buyer", "password": "pw-123456"}, format="json").json()

    assert first == second


@pytest.mark.parametrize("password", ["wrong", "PW-123456"])
def test_wrong_credentials_are_a_non_field_validation_error(api_client, buyer, password):
    response = api_client.post(URL, {"username": "buyer", "password": password}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]["fields"]) == ["non_field_errors"]
    assert "token" not in response.json()


def test_an_inactive_account_gets_no_token(api_client, make_user):
    make_user("gone", is_active=False)

    response = api_client.post(URL, {"username": "gone", "password": "pw-123456"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_missing_fields_are_named(api_client):
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["details"]["fields"]) == {"username", "password"}


def test_a_stale_authorization_header_does_not_block_logging_in(api_client, buyer):
    api_client.credentials(HTTP_AUTHORIZATION="Token revoked-long-ago")

    response = api_client.post(URL, {"username": "buyer", "password": "pw-123456"}, format="json")

    assert response.status_code == 200
