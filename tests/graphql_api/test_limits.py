"""Abuse limits answer with a clear error before anything runs."""

import pytest

from config.errors import DomainError, ErrorCode
from graphql_api.errors import graphql_error

pytestmark = pytest.mark.django_db


def first_error(client, query: str) -> dict:
    response = client.raw(query)
    body = response.json()
    assert body.get("data") is None and body["errors"], body
    return body["errors"][0]


def test_a_query_above_the_depth_limit_is_refused(gql_for, settings):
    settings.GRAPHQL_MAX_DEPTH = 4
    query = "{ myOrders(first: 1) { edges { node { items { product { seller { id } } } } } } }"

    error = first_error(gql_for(), query)

    assert "exceeds maximum operation depth" in error["message"]


def test_too_many_aliases_are_refused(gql_for):
    aliases = " ".join(f"a{i}: me {{ username }}" for i in range(16))

    error = first_error(gql_for(), f"{{ {aliases} }}")

    assert "aliases" in error["message"]


HEAVY_ORDER = """
    payments { events { kind fromStatus toStatus data } cancellations { amount } }
    items { product { name seller { name } } }
"""


def test_an_over_cost_query_is_refused(gql_for, buyer):
    # each level is allowed; 100 orders × 10 payments × 10 events × 4 fields is too much for one request
    query = f"{{ myOrders(first: 100) {{ edges {{ node {{ {HEAVY_ORDER} }} }} }} }}"
    small_pages = f"{{ myOrders(first: 10) {{ edges {{ node {{ {HEAVY_ORDER} }} }} }} }}"

    error = first_error(gql_for(), query)

    assert error["extensions"]["code"] == "query_too_costly" and "25000" in error["message"]
    gql_for(buyer)(small_pages)  # the same shape with a small page is fine


def test_aliases_and_fragments_cannot_hide_cost(gql_for, buyer):
    fragment = f"fragment Heavy on Order {{ {HEAVY_ORDER} }}"
    aliased = " ".join(f"q{i}: myOrders(first: 20) {{ edges {{ node {{ ...Heavy }} }} }}" for i in range(5))

    assert first_error(gql_for(), f"{fragment} {{ {aliased} }}")["extensions"]["code"] == "query_too_costly"
    one = "{ myOrders(first: 20) { edges { node { ...Heavy } } } }"
    gql_for(buyer)(f"{fragment} {one}")  # a single one of them is fine


def test_a_page_above_the_maximum_is_refused(gql_for):
    error = first_error(gql_for(), "{ products(first: 101) { edges { node { id } } } }")
    assert error["extensions"]["code"] == "page_too_large"

    by_variable = gql_for().raw(
        "query($n: Int) { products(first: $n) { edges { node { id } } } }", {"n": 500}
    )
    assert "cannot be higher than 100" in by_variable.json()["errors"][0]["message"]


def test_introspection_is_off_unless_debug(gql_for):
    error = first_error(gql_for(), "{ __schema { types { name } } }")
    assert "introspection" in error["message"].lower()


def test_unexpected_errors_never_leak_internals(gql_for, monkeypatch):
    from graphql_api import queries

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail /srv/app/settings.py")

    monkeypatch.setattr(queries, "current_user", explode)
    body = gql_for().raw("{ me { username } }").json()

    # Korean by default (no Accept-Language); the same masked text in English with `Accept-Language: en`.
    assert body["errors"][0]["message"] == "예기치 않은 오류입니다."
    assert body["errors"][0]["extensions"]["code"] == "internal_error"
    assert "secret" not in str(body) and "Traceback" not in str(body)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_graphql_errors_carry_the_rest_code_strings(code):
    assert graphql_error(DomainError(code)).code == code.value


def test_graphql_shares_the_rest_rate_limits(gql_for, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min", "auth_token": "2/min"}
    )
    anonymous = gql_for()

    statuses = [anonymous.raw("{ me { username } }").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_password_guessing_through_graphql_is_throttled(gql_for, make_user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/min", "user": "100/min", "auth_token": "2/min"}
    )
    make_user("victim")
    guess = 'mutation { obtainToken(username: "victim", password: "guess") { ... on Error { code } } }'

    codes = [gql_for()(guess)["obtainToken"]["code"] for _ in range(3)]

    assert codes == ["not_authenticated", "not_authenticated", "throttled"]
