"""List query parameters: the runtime refuses what the OpenAPI schema refuses (config/pagination.py and the
shared StrictFilterSet in config/filters.py).

Before: `page_size=null`, `page=`, `created_after=`, `status=`, `is_tax_free=null`… were silently read as
"not sent" and answered the default page of the unfiltered list (200), although the schema allows no
such value. The parameters come from the schema, so a new list or filter is covered when it is added.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.config.test_exception_handler import assert_envelope

pytestmark = pytest.mark.django_db


def _query_parameters() -> dict[str, list[dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: [parameter for parameter in item["get"].get("parameters", []) if parameter["in"] == "query"]
        for path, item in schema["paths"].items()
        if "get" in item and "{" not in path
    }


def _sample(parameter: dict) -> str:
    """A well-formed value for a required parameter (`from`/`to` of the statement: a date)."""
    schema = parameter["schema"]
    if "enum" in schema:
        return str(schema["enum"][0])
    return {"date": "2026-11-01"}.get(schema.get("format"), "1")


QUERY_PARAMETERS = _query_parameters()
PARAMETERS = [
    (path, parameter["name"]) for path, parameters in QUERY_PARAMETERS.items() for parameter in parameters
]
# Required ones are sent well-formed when another parameter is under test, so only that one is wrong.
REQUIRED = {
    path: {parameter["name"]: _sample(parameter) for parameter in parameters if parameter.get("required")}
    for path, parameters in QUERY_PARAMETERS.items()
}


def test_every_list_and_its_filters_are_under_test():
    assert {
        ("/api/v1/orders/", "page_size"),
        ("/api/v1/orders/", "created_after"),
        ("/api/v1/payments/", "created_after"),
        ("/api/v1/products/", "is_tax_free"),
        ("/api/v1/products/", "page"),
        ("/api/v1/statements/", "seller"),
    } <= set(PARAMETERS)


@pytest.fixture
def staff_client(api_client_for, make_user):
    return api_client_for(make_user(is_staff=True))


@pytest.mark.parametrize("value", ["", "null"], ids=["empty", "null"])
@pytest.mark.parametrize(("path", "name"), PARAMETERS)
def test_no_documented_parameter_accepts_an_empty_or_null_value(staff_client, path, name, value):
    query = {key: sample for key, sample in REQUIRED[path].items() if key != name} | {name: value}
    body = assert_envelope(staff_client.get(path, query), 400, "validation_error")

    assert list(body["details"]["fields"]) == [name]


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "1e2", "last", "٣"])
@pytest.mark.parametrize("name", ["page", "page_size"])
def test_page_and_page_size_are_whole_numbers_from_one(staff_client, name, value):
    body = assert_envelope(staff_client.get("/api/v1/orders/", {name: value}), 400, "validation_error")

    assert list(body["details"]["fields"]) == [name]


def test_a_page_beyond_any_list_is_not_found_and_a_large_page_size_is_capped(staff_client, make_product):
    make_product()

    # 1,000 digits: far beyond any int the lists read, within the query-string limit (2,048 bytes).
    assert_envelope(staff_client.get("/api/v1/products/", {"page": "9" * 1_000}), 404, "not_found")
    assert staff_client.get("/api/v1/products/", {"page_size": "9" * 1_000}).status_code == 200
    assert staff_client.get("/api/v1/products/", {"page": "01", "page_size": "0100"}).status_code == 200


@pytest.mark.parametrize(("value", "count"), [("true", 1), ("false", 2), ("1", 1), ("0", 2)])
def test_is_tax_free_reads_the_booleans_it_documents(api_client, make_product, value, count):
    for tax_free in (True, False, False):
        make_product(is_tax_free=tax_free)

    assert api_client.get("/api/v1/products/", {"is_tax_free": value}).json()["count"] == count


@pytest.mark.parametrize("value", ["yes", "2", "unknown"])
def test_is_tax_free_refuses_anything_else(api_client, value):
    assert_envelope(api_client.get("/api/v1/products/", {"is_tax_free": value}), 400, "validation_error")


def test_the_schema_documents_the_bounds_of_page_and_page_size():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}

    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}
