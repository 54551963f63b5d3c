"""`/graphql/` refuses unreadable requests in GraphQL's own shape, with a 400, before executing anything.

Before: a deeply nested or non-UTF-8 body was Django's HTML 500; strawberry's own refusals were text/plain.
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)  # a crash must show as the 500 a client would get


def refusal(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1_000 + b"]" * 1_000,
        b'{"query": ' + b"[" * 1_000 + b"]" * 1_000 + b"}",
        b'{"query": "{ me { username } }", "variables": ' + b'{"a": ' * 1_000 + b"1" + b"}" * 1_001,
        b'{"query": "{ me { username } }", "variables": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}",
    ],
    ids=["array", "query", "variables", "just over the limit"],
)
def test_a_deeply_nested_body_is_a_parse_error(client, body):
    refusal(client.post("/graphql/", body, content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b'{"query": "{ me { username } }\xc3("}'])
def test_a_body_that_is_not_utf8_is_a_parse_error(client, body):
    refusal(client.post("/graphql/", body, content_type="application/json"), 400, "parse_error")


def test_malformed_json_is_a_parse_error(client):
    refusal(client.post("/graphql/", b'{"query": ', content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"variables": {}}', "application/json"), (b"query=x", "text/plain")],
    ids=["no query", "not json"],
)
def test_strawberrys_own_refusals_are_json_too(client, body, content_type):
    refusal(client.post("/graphql/", body, content_type=content_type), 400, "validation_error")


def test_queries_by_get_and_other_methods_are_refused_in_the_same_shape(client):
    refusal(client.get("/graphql/", {"query": "{ me { username } }"}), 400, "validation_error")
    refusal(client.put("/graphql/", b"{}", content_type="application/json"), 405, "method_not_allowed")


def test_an_ordinary_request_still_runs(client):
    response = client.post("/graphql/", {"query": "{ me { username } }"}, content_type="application/json")

    assert response.json() == {"data": {"me": None}}


def test_a_body_above_django_s_upload_limit_is_refused_in_the_same_shape(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = b'{"query": "{ me { username } }", "variables": {"pad": "' + b"x" * 2_000 + b'"}}'

    refusal(client.post("/graphql/", body, content_type="application/json"), 400, "validation_error")
