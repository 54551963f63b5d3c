"""An over-long query string is 414 `query_too_long` in the API's own error shape (config/middleware.py).

Before: a request line over gunicorn's default 4,094 bytes got gunicorn's plain 414, undocumented, before
Django saw it (schemathesis flagged every list operation). Now gunicorn's limit is its maximum, 8,190
(tests/ops/test_gunicorn_conf.py runs it), and the application refuses a query string over
QUERY_STRING_MAX_BYTES under /api/ and /graphql/ itself, documented on every operation. The limit sits
well above the longest valid list request, computed here from the OpenAPI document, so a new list or
filter is measured when it is added.
"""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from config.ids import PK_MAX
from tests.config.test_exception_handler import assert_envelope

pytestmark = pytest.mark.django_db

LIMIT = settings.QUERY_STRING_MAX_BYTES
OPENAPI = SchemaGenerator().get_schema(request=None, public=True)
# The longest ISO 8601 moment the date-time filters read: microseconds and an offset.
LONGEST_MOMENT = "2026-11-01T00:00:00.000000+09:00"


def _longest_value(parameter: dict) -> str:
    """The longest value a list can make use of, per the parameter's schema. Integers: 64 bits (beyond,
    pages and sizes are capped and no row matches); arrays of choices: each choice once."""
    schema = parameter["schema"]
    if "enum" in schema:
        return max((str(choice) for choice in schema["enum"]), key=len)
    kind = schema.get("type")
    if kind == "array":
        return ",".join(str(choice) for choice in schema["items"]["enum"])
    if kind == "boolean":
        return "false"
    if kind in {"integer", "number"}:
        return str(schema.get("maximum", -PK_MAX))
    if schema.get("format") == "date-time":
        return LONGEST_MOMENT
    if schema.get("format") == "date":
        return "2026-11-01"
    assert "maxLength" in schema, f"{parameter['name']}: a string parameter needs a maxLength to be measured"
    return "A" * schema["maxLength"]


def _longest_queries() -> dict[str, str]:
    """Each list operation's query string with every parameter at its longest (one cursor included)."""
    queries = {}
    for path, item in OPENAPI["paths"].items():
        parameters = [p for p in item.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if parameters and "{" not in path:
            queries[path] = urlencode({p["name"]: _longest_value(p) for p in parameters})
    return queries


LONGEST = _longest_queries()


def test_every_list_is_measured():
    assert {
        "/api/v1/orders/",
        "/api/v1/payments/",
        "/api/v1/products/",
        "/api/v1/billing-keys/",
        "/api/v1/subscriptions/",
        "/api/v1/statements/",
    } <= set(LONGEST)


@pytest.mark.parametrize("path", sorted(LONGEST))
def test_the_longest_valid_list_request_is_far_below_the_limit_and_reaches_the_view(
    api_client_for, make_user, path
):
    query = LONGEST[path]
    # Half the limit at most: room for the next filter before the limit (and gunicorn's) must move.
    assert len(query) <= LIMIT // 2, f"{path}: {len(query)} bytes; raise QUERY_STRING_MAX_BYTES"

    response = api_client_for(make_user(is_staff=True)).get(f"{path}?{query}")

    # The view answers (a value may be refused, e.g. the made-up cursor): never the length limit.
    assert response.status_code != 414, response.content


@pytest.fixture
def client(api_client_for, buyer):
    return api_client_for(buyer)


def _query(length: int) -> str:
    return "pad=" + "a" * (length - len("pad="))


def test_a_query_string_of_exactly_the_limit_is_answered_by_the_view(api_client):
    response = api_client.get(f"/api/v1/products/?{_query(LIMIT)}")

    assert response.status_code == 200  # an unknown parameter is ignored, as before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/orders/"),
        ("get", "/api/v1/products/"),
        ("get", "/api/v1/payments/pay_x/"),
        ("post", "/api/v1/orders/"),
        ("post", "/api/v1/payments/verify/"),
        ("get", "/api/v1/nowhere/"),
        ("get", "/api/schema/"),
    ],
)
def test_one_byte_more_is_414_query_too_long_on_every_route(client, method, path):
    response = getattr(client, method)(f"{path}?{_query(LIMIT + 1)}")

    body = assert_envelope(response, 414, "query_too_long")
    assert body["details"] == {"max_bytes": LIMIT}


def test_the_limit_counts_bytes_as_sent(client):
    # A percent-encoded character is three bytes on the wire, and three here: nothing is decoded first.
    query = "q=" + "%ED%95%9C" * ((LIMIT - 2) // 9 + 1)

    assert len(query) > LIMIT
    assert_envelope(client.get(f"/api/v1/orders/?{query}"), 414, "query_too_long")


def test_credentials_are_not_read_before_the_refusal(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert_envelope(api_client.get(f"/api/v1/orders/?{_query(LIMIT + 1)}"), 414, "query_too_long")


def test_the_message_is_in_the_callers_language(client):
    path = f"/api/v1/orders/?{_query(LIMIT + 1)}"

    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    korean = client.get(path).json()["message"]  # Korean is the default

    assert english == "The query string is too long."
    assert korean == "쿼리 문자열이 너무 깁니다."


def test_graphql_answers_in_its_own_error_shape(client):
    response = client.post(f"/graphql/?{_query(LIMIT + 1)}", {"query": "{ me { username } }"}, format="json")

    assert response.status_code == 414
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "쿼리 문자열이 너무 깁니다.",
                "extensions": {"code": "query_too_long", "max_bytes": LIMIT},
            }
        ],
    }


def test_pages_outside_the_api_keep_only_the_web_servers_limit(client):
    response = client.get(f"/admin/login/?{_query(LIMIT + 1)}")

    assert response.status_code == 200


def test_every_operation_documents_the_414():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            response = operation["responses"].get("414")
            assert response, f"{method.upper()} {path} does not document 414"
            examples = response["content"]["application/json"]["examples"]
            assert [example["value"]["code"] for example in examples.values()] == ["query_too_long"]
