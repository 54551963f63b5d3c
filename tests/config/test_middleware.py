"""config.middleware: a NUL character in the path, a query parameter or a header is refused up front.

PostgreSQL text cannot hold NUL: before this guard a lookup with one failed with DataError (a 500) on
payment paths, tokens and session cookies. Every route is covered, whatever its view does.
"""

import pytest

from tests.config.test_exception_handler import assert_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client_for, buyer):
    client = api_client_for(buyer)
    client.raise_request_exception = False  # a crash must show as the 500 a partner would get
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/payments/a%00b/"),
        ("post", "/api/v1/payments/a%00b/cancel/"),
        ("post", "/api/v1/payments/a%00b/confirm/"),
        ("get", "/api/v1/orders/a%00b/"),
        ("post", "/api/v1/orders/a%00b/cancel/"),
        ("get", "/api/v1/products/1%00/"),
        ("get", "/api/v1/unknown%00/"),
    ],
)
def test_a_nul_in_the_path_is_a_validation_error(client, method, path):
    body = assert_envelope(getattr(client, method)(path), 400, "validation_error")

    assert list(body["details"]["fields"]) == ["path"]


@pytest.mark.parametrize(
    "query",
    ["status=a%00b", "created_after=2024-01-01T00:00%00", "page=1%00", "anything=%00", "a%00b=1"],
)
def test_a_nul_in_any_query_parameter_is_a_validation_error_naming_it(client, query):
    body = assert_envelope(client.get(f"/api/v1/orders/?{query}"), 400, "validation_error")

    assert list(body["details"]["fields"]) == [query.split("=")[0].replace("%00", "\x00")]


def test_a_nul_in_a_token_is_refused_before_authentication_looks_it_up(api_client):
    api_client.raise_request_exception = False
    api_client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")

    body = assert_envelope(api_client.get("/api/v1/orders/"), 400, "validation_error")

    assert list(body["details"]["fields"]) == ["Authorization"]


def test_a_nul_in_the_session_cookie_is_refused_before_the_session_is_loaded(api_client):
    api_client.raise_request_exception = False
    api_client.cookies["sessionid"] = "abcdefgh\x00ijkl"

    body = assert_envelope(api_client.get("/api/v1/orders/"), 400, "validation_error")

    assert list(body["details"]["fields"]) == ["Cookie"]


def test_a_nul_in_an_idempotency_key_is_refused(client):
    response = client.post("/api/v1/payments/pay_x/cancel/", {"reason": "x"}, HTTP_IDEMPOTENCY_KEY="k\x00")

    body = assert_envelope(response, 400, "validation_error")

    assert list(body["details"]["fields"]) == ["Idempotency-Key"]


def test_graphql_gets_its_own_error_shape(client):
    client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")

    response = client.post("/graphql/", {"query": "{ me { username } }"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    assert list(body["errors"][0]["extensions"]["fields"]) == ["Authorization"]


def test_other_pages_get_a_plain_400(client):
    assert client.get("/admin/%00/").status_code == 400


def test_ordinary_requests_pass(client):
    assert client.get("/api/v1/orders/", {"status": "paid"}).status_code == 200
