"""Parsed and validated documents are cached per query text, and every limit still refuses on a cache hit."""

import pytest
import strawberry.extensions.parser_cache as parser_cache
import strawberry.extensions.validation_cache as validation_cache
import strawberry.schema.schema as strawberry_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    """Calls of graphql's parse and of strawberry's validate_document behind the (emptied) caches."""
    calls = {"parse": 0, "validate": 0}
    parse, validate = parser_cache.parse, strawberry_schema.validate_document

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return parse(*args, **kwargs)

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(parser_cache, "parse", counting_parse)
    monkeypatch.setattr(strawberry_schema, "validate_document", counting_validate)
    parser_cache._get_parse_cache.cache_clear()
    validation_cache._get_validate_cache.cache_clear()
    yield calls
    parser_cache._get_parse_cache.cache_clear()
    validation_cache._get_validate_cache.cache_clear()


def _errors(client, query: str) -> list[dict]:
    return client.raw(query).json().get("errors") or []


def test_the_same_query_twice_is_parsed_and_validated_once(gql_for, buyer, counted):
    client = gql_for(buyer)
    query = "{ me { username isSeller } }"

    first, second = client(query), client(query)

    assert first == second == {"me": {"username": "buyer", "isSeller": False}}
    assert counted == {"parse": 1, "validate": 1}
    client("{ me { username } }")
    assert counted == {"parse": 2, "validate": 2}


HEAVY = "payments { events { kind data } cancellations { amount } } items { product { seller { name } } }"
REFUSED = {
    "depth": "{ myOrders(first: 1) { edges { node { items { product { seller { id } } } } } } }",
    "aliases": "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(16)) + " }",
    "tokens": "{ " + " ".join("me { username }" for _ in range(700)) + " }",
    "cost": f"{{ myOrders(first: 100) {{ edges {{ node {{ {HEAVY} }} }} }} }}",
    "page size": "{ myOrders(first: 101) { edges { node { orderId } } } }",
    "introspection": "{ __schema { types { name } } }",
}


@pytest.mark.parametrize("limit", sorted(REFUSED))
def test_a_refused_query_is_refused_again_from_the_cache(gql_for, buyer, settings, counted, limit):
    if limit == "depth":
        settings.GRAPHQL_MAX_DEPTH = 4
    client = gql_for(buyer)

    first, second = _errors(client, REFUSED[limit]), _errors(client, REFUSED[limit])

    assert first and first == second
    # The token limit refuses while parsing: an exception, never cached, so that text is parsed (and
    # refused) each time; every other refusal is one cached validation result, answered again.
    expected = {"parse": 2, "validate": 0} if limit == "tokens" else {"parse": 1, "validate": 1}
    assert counted == expected


def test_an_accepted_query_is_accepted_again_and_a_lower_limit_is_not_bypassed(gql_for, buyer, settings):
    client = gql_for(buyer)
    query = "{ myOrders(first: 1) { edges { node { items { product { seller { name } } } } } } }"
    assert client(query) == client(query)

    settings.GRAPHQL_MAX_DEPTH = 4

    assert "exceeds maximum operation depth" in _errors(client, query)[0]["message"]
    settings.GRAPHQL_MAX_COST = 1
    assert _errors(client, "{ me { username isStaff } }")[0]["extensions"]["code"] == "query_too_costly"
