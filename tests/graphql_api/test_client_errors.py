"""The caller's mistakes are typed errors, never "Unexpected error." with an ERROR log and a traceback.

Before: a NUL in a string argument reached PostgreSQL (DataError), a malformed global id or cursor raised
inside strawberry, an offset beyond bigint overflowed the query, and wrong variable types were masked as
bugs; all of them logged at ERROR. Now a mutation answers `InputError` (its payload union has one) and a
query a `validation_error` in `errors`, and nothing is logged as a failure.

The cases are generated from the schema itself: every argument of every query and mutation, and every
string inside an input object, so a new field is covered without touching this file.
"""

import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    get_nullable_type,
    is_non_null_type,
)
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryOptional

from graphql_api.schema import schema

pytestmark = pytest.mark.django_db

GRAPHQL = schema._schema  # the graphql-core schema strawberry built
ROOTS = {"query": GRAPHQL.query_type, "mutation": GRAPHQL.mutation_type}
BIGINT_OVERFLOW = 2**63
NUL = "a\x00b"


def gid(type_name: str, node_id: Any) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def cursor(offset: Any, prefix: str = "arrayconnection") -> str:
    """strawberry's offset cursor (`arrayconnection:<offset>`), which this API no longer hands out."""
    return gid(prefix, offset)


def keyset_cursor(*parts: Any) -> str:
    """A keyset cursor as the connections write one: base64url of `<model>:<ordering>|value|…`."""
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode().rstrip("=")


# --- walking the schema --------------------------------------------------------------------------------


def _is_global_id(holder) -> bool:
    definition = holder.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    python_type = definition.type if definition is not None else None
    while isinstance(python_type, StrawberryOptional | StrawberryList):
        python_type = python_type.of_type
    return python_type is GlobalID


def _benign(graphql_type, holder) -> Any:
    """A well-formed value for a type (required input fields only)."""
    graphql_type = get_nullable_type(graphql_type)
    if isinstance(graphql_type, GraphQLList):
        return [_benign(graphql_type.of_type, holder)]
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {
            name: _benign(f.type, f) for name, f in graphql_type.fields.items() if is_non_null_type(f.type)
        }
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if graphql_type.name == "ID":
        return gid("Product", 1) if _is_global_id(holder) else "1"
    return {"String": "x", "Int": 1, "Boolean": True, "Float": 1.0, "Date": "2026-11-01"}[graphql_type.name]


def _string_leaves(graphql_type, holder, path: str) -> Iterator[tuple[str, Any, bool]]:
    """(path, holder, is_global_id) of every String/ID inside an argument, lists entered at [0]."""
    graphql_type = get_nullable_type(graphql_type)
    if isinstance(graphql_type, GraphQLList):
        yield from _string_leaves(graphql_type.of_type, holder, f"{path}[0]")
    elif isinstance(graphql_type, GraphQLInputObjectType):
        for name, field in graphql_type.fields.items():
            yield from _string_leaves(field.type, field, f"{path}.{name}")
    elif graphql_type.name in ("String", "ID"):
        yield path, holder, _is_global_id(holder)


def _replace(value: Any, steps: list, hostile: Any) -> Any:
    if not steps:
        return hostile
    step, rest = steps[0], steps[1:]
    if isinstance(step, int):
        return [_replace(value[0] if value else None, rest, hostile)]
    value = dict(value or {})
    value[step] = _replace(value.get(step), rest, hostile)
    return value


def _steps(path: str) -> list:
    steps: list = []
    for part in path.replace("[", ".[").split("."):
        steps.append(int(part[1:-1]) if part.startswith("[") else part)
    return steps


def _selection(field: GraphQLField) -> str:
    named = get_named_type(field.type)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename ... on Error { code } ... on InputError { fields { field messages } } }"
    return "{ __typename }" if isinstance(named, GraphQLObjectType) else ""


def request_for(operation: str, name: str, overrides: dict[str, Any]) -> tuple[str, dict]:
    """A document calling one field, every argument a variable: required ones well-formed, `overrides` set."""
    field = ROOTS[operation].fields[name]
    variables = {
        arg_name: _benign(arg.type, arg) for arg_name, arg in field.args.items() if is_non_null_type(arg.type)
    } | overrides
    declared = ", ".join(f"${arg_name}: {field.args[arg_name].type}" for arg_name in variables)
    passed = ", ".join(f"{arg_name}: ${arg_name}" for arg_name in variables)
    document = f"{operation}({declared}) {{ {name}({passed}) {_selection(field)} }}"
    return document, variables


def _cases() -> Iterator[tuple[str, str, str, Any, str]]:
    """(operation, field, argument path, hostile value, shape) for every argument the schema has."""
    for operation, root in ROOTS.items():
        for name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                for path, _holder, is_global_id in _string_leaves(arg.type, arg, arg_name):
                    yield operation, name, path, NUL, "nul"
                    if is_global_id:
                        yield operation, name, path, "garbage!!", "malformed global id"
                        yield operation, name, path, base64.b64encode(b"Product:1\x00").decode(), "nul in id"


CASES = list(_cases())


def test_the_generated_cases_reach_every_kind_of_argument():
    covered = {(operation, name, path) for operation, name, path, _value, _shape in CASES}

    assert {
        ("query", "order", "orderId"),
        ("query", "payment", "id"),
        ("query", "products", "after"),
        ("query", "products", "sellerId"),
        ("query", "myOrders", "status"),
        ("mutation", "login", "password"),
        ("mutation", "verifyPayment", "receiptId"),
        ("mutation", "cancelPayment", "itemIds[0]"),
        ("mutation", "createOrder", "input.items[0].productId"),
    } <= covered


# --- sending them --------------------------------------------------------------------------------------


@pytest.fixture
def send(gql_for, buyer, caplog):
    client = gql_for(buyer)
    client.client.raise_request_exception = False

    def send(document: str, variables: dict) -> dict:
        caplog.clear()
        response = client.raw(document, variables)
        assert response.status_code == 200, response.content
        failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert failures == [], [record.getMessage() for record in failures]
        return response.json()

    return send


def assert_typed_error(body: dict, operation: str, name: str, path: str | None) -> None:
    """Mutations: an InputError payload naming `path`. Queries: one validation_error naming it."""
    if operation == "mutation":
        assert not body.get("errors"), body
        payload = body["data"][name]
        assert (payload["__typename"], payload["code"]) == ("InputError", "validation_error"), payload
        if path is not None:
            assert path in {field["field"] for field in payload["fields"]}, payload
    else:
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "validation_error", error
        if path is not None:
            assert path in error["extensions"]["fields"], error


@pytest.mark.parametrize(
    ("operation", "name", "path", "value", "shape"),
    CASES,
    ids=[f"{operation} {name}({path}) {shape}" for operation, name, path, _value, shape in CASES],
)
def test_a_hostile_string_in_any_argument_is_a_typed_error(send, operation, name, path, value, shape):
    steps = _steps(path)
    argument = ROOTS[operation].fields[name].args[steps[0]]
    overrides = {steps[0]: _replace(_benign(argument.type, argument), steps[1:], value)}

    body = send(*request_for(operation, name, overrides))

    assert_typed_error(body, operation, name, path)


def _wrong_type_cases() -> Iterator[tuple[str, str, str]]:
    for operation, root in ROOTS.items():
        for name, field in root.fields.items():
            for arg_name in field.args:
                yield operation, name, arg_name


@pytest.mark.parametrize(("operation", "name", "argument"), list(_wrong_type_cases()))
def test_a_variable_of_the_wrong_type_is_a_validation_error(send, operation, name, argument):
    field = ROOTS[operation].fields[name]
    named = get_named_type(field.args[argument].type)
    wrong = "not an object" if isinstance(named, GraphQLInputObjectType) else {"not": "a scalar"}

    body = send(*request_for(operation, name, {argument: wrong}))

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "validation_error", error


CONNECTIONS = [name for name, field in GRAPHQL.query_type.fields.items() if "after" in field.args]
NEWEST = "-created_at,-pk"  # every connection's default order
MOMENT = "2026-01-01T00:00:00+00:00"


def _model(name: str) -> str:
    """The model a connection lists (its cursors' tag): `OrderConnection` → `order`."""
    return get_named_type(GRAPHQL.query_type.fields[name].type).name.removesuffix("Connection").lower()


def _malformed_cursors(model: str) -> dict[str, str]:
    tag = f"{model}:{NEWEST}"
    return {
        "not base64": "garbage",
        "offset cursor": cursor(10),
        "negative offset": cursor(-5),
        "not a number": cursor("1e3"),
        "empty offset": cursor(""),
        "beyond bigint": cursor(BIGINT_OVERFLOW),
        "far beyond": cursor(10**30),
        "another prefix": cursor(1, prefix="Product"),
        "empty": "",
        "not ascii": "é" * 8,
        "too long": keyset_cursor(tag, MOMENT, "0" * 200 + "1"),  # pk 1, but past the length cap
        "no fields": keyset_cursor(tag),
        "a field short": keyset_cursor(tag, MOMENT),
        "a field more": keyset_cursor(tag, MOMENT, 1, 2),
        "another ordering": keyset_cursor(f"{model}:created_at,-pk", MOMENT, 1),
        "another list": keyset_cursor(f"{'product' if model != 'product' else 'order'}:{NEWEST}", MOMENT, 1),
        "a REST cursor": keyset_cursor("n", MOMENT, 1),
        "no time zone": keyset_cursor(tag, "2026-01-01T00:00:00", 1),
        "not a datetime": keyset_cursor(tag, "yesterday", 1),
        "before year 1 in UTC": keyset_cursor(tag, "0001-01-01T00:00:00+14:00", 1),
        "after year 9999 in UTC": keyset_cursor(tag, "9999-12-31T23:00:00-14:00", 1),
        "pk zero": keyset_cursor(tag, MOMENT, 0),
        "pk negative": keyset_cursor(tag, MOMENT, -1),
        "pk beyond bigint": keyset_cursor(tag, MOMENT, BIGINT_OVERFLOW),
        "pk not a number": keyset_cursor(tag, MOMENT, "1e3"),
        "pk not ascii digits": keyset_cursor(tag, MOMENT, "١"),
        "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe|x|1").decode(),
    }


MALFORMED = [
    (name, shape, value) for name in CONNECTIONS for shape, value in _malformed_cursors(_model(name)).items()
]


def test_every_connection_lists_a_model_with_its_own_tag():
    assert {name: _model(name) for name in CONNECTIONS} == {
        "products": "product",
        "myOrders": "order",
        "sellerOrders": "order",
        "myBillingKeys": "billingkey",
        "mySubscriptions": "subscription",
    }


@pytest.mark.parametrize("argument", ["after", "before"])
@pytest.mark.parametrize(("name", "shape", "value"), MALFORMED, ids=[f"{n} {s}" for n, s, _v in MALFORMED])
def test_a_malformed_or_out_of_range_cursor_is_a_validation_error(send, name, argument, shape, value):
    body = send(f"query($c: String) {{ {name}({argument}: $c, first: 5) {{ totalCount }} }}", {"c": value})

    assert_typed_error(body, "query", name, argument)


@pytest.mark.parametrize("argument", ["after", "before"])
@pytest.mark.parametrize("ordering", ["PRICE_ASC", "PRICE_DESC"])
@pytest.mark.parametrize(
    ("price", "accepted"), [(0, True), (BIGINT_OVERFLOW - 1, True), (-1, False), (BIGINT_OVERFLOW, False)]
)
def test_a_price_in_a_cursor_is_one_the_column_can_hold(
    send, make_product, argument, ordering, price, accepted
):
    make_product(price=5_000)
    tag = f"product:{'-' if ordering == 'PRICE_DESC' else ''}price,-pk"
    query = "query($c: String, $o: ProductOrdering) { products(%s: $c, ordering: $o) { edges { cursor } } }"

    body = send(query % argument, {"c": keyset_cursor(tag, price, 1), "o": ordering})

    if accepted:  # the page query ran (an empty page or the one product)
        assert "errors" not in body and len(body["data"]["products"]["edges"]) <= 1
    else:
        assert_typed_error(body, "query", "products", argument)


@pytest.mark.parametrize("name", CONNECTIONS)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_a_cursor_past_either_end_is_an_empty_page(send, name, argument, make_order):
    make_order()  # the buyer's; a product (the order's) for the catalogue too
    # after: older than every row; before: newer than every row
    moment, pk = (
        ("0001-01-01T00:00:00+00:00", 1) if argument == "after" else ("9999-01-01T00:00:00+00:00", 2**63 - 1)
    )
    value = keyset_cursor(f"{_model(name)}:{NEWEST}", moment, pk)

    body = send(f"query($c: String) {{ {name}({argument}: $c) {{ edges {{ cursor }} }} }}", {"c": value})

    assert body == {"data": {name: {"edges": []}}}


@pytest.mark.parametrize("name", CONNECTIONS)
@pytest.mark.parametrize(("page", "value"), [("first", -1), ("last", -1), ("first", 2**31), ("first", 2**63)])
def test_page_sizes_out_of_range_are_validation_errors(send, name, page, value):
    body = send(f"query($n: Int) {{ {name}({page}: $n) {{ totalCount }} }}", {"n": value})

    (error,) = body["errors"]
    assert error["extensions"]["code"] == "validation_error", error


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("query($s: ID) { products(sellerId: $s) { totalCount } }", {"s": gid("Seller", "abc")}),
        ("query($s: ID) { products(sellerId: $s) { totalCount } }", {"s": gid("Product", 1)}),
        ("query($s: ID) { products(sellerId: $s) { totalCount } }", {"s": gid("Seller", BIGINT_OVERFLOW)}),
    ],
    ids=["not numeric", "another type", "beyond bigint"],
)
def test_a_seller_id_that_names_no_seller_is_a_validation_error(send, document, variables):
    assert_typed_error(send(document, variables), "query", "products", "sellerId")


@pytest.mark.parametrize("node_id", ["abc", BIGINT_OVERFLOW, 0])
def test_a_product_id_no_product_can_have_is_simply_not_found(send, node_id):
    body = send("query($id: ID!) { product(id: $id) { name } }", {"id": gid("Product", node_id)})

    assert body == {"data": {"product": None}}


@pytest.mark.parametrize(
    ("name", "overrides", "path"),
    [
        (
            "createOrder",
            {"input": {"items": [{"productId": gid("Product", BIGINT_OVERFLOW), "quantity": 1}]}},
            None,
        ),
        ("markItemShipped", {"itemId": str(BIGINT_OVERFLOW)}, "itemId"),
    ],
    ids=["createOrder product beyond bigint", "markItemShipped line beyond bigint"],
)
def test_ids_beyond_bigint_in_mutations_are_input_errors(send, name, overrides, path):
    assert_typed_error(send(*request_for("mutation", name, overrides)), "mutation", name, path)
