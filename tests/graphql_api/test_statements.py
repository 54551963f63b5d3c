"""sellerStatement over HTTP: the GraphQL adapter of payments.statements, on orders paid at the emulator."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.payments.statement_world import NOVEMBER, SALE_DAY, build_statement_world, pay

pytestmark = pytest.mark.django_db

STATEMENT = """query($from: Date!, $to: Date!, $seller: ID) {
  sellerStatement(from: $from, to: $to, sellerId: $seller) {
    from to timezone currency
    sellers {
      sellerId sellerName
      gross { total taxable taxFree count }
      refunds { total taxable taxFree count }
      net { total taxable taxFree }
      days { date gross { total count } refunds { total count } net { total taxable taxFree } }
    }
    total { gross { total count } refunds { total count } net { total taxable taxFree } }
  }
}"""


def global_id(type_name: str, key) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


@pytest.fixture
def world(buyer, make_user, make_seller, make_product, pay_at_pg):
    return build_statement_world(
        buyer=buyer,
        make_user=make_user,
        make_seller=make_seller,
        make_product=make_product,
        pay_at_pg=pay_at_pg,
    )


def refused(gql_for, user, variables) -> dict:
    """The one error of a refused sellerStatement (data is null: the field is non-null)."""
    response = gql_for(user).raw(STATEMENT, variables)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error.get("path") in (None, ["sellerStatement"])  # None: refused before execution
    return error


def test_a_seller_gets_its_own_statement(gql_for, world):
    report = gql_for(world.coffee.user)(STATEMENT, NOVEMBER)["sellerStatement"]

    assert (report["from"], report["to"], report["timezone"], report["currency"]) == (
        "2026-11-01",
        "2026-11-30",
        "Asia/Seoul",
        "KRW",
    )
    assert report["total"] is None
    [coffee] = report["sellers"]
    assert coffee["sellerId"] == global_id("Seller", world.coffee.pk)
    assert coffee["sellerName"] == "coffee"
    assert coffee["gross"] == {"total": 42_000, "taxable": 42_000, "taxFree": 0, "count": 2}
    assert coffee["refunds"] == {"total": 30_000, "taxable": 30_000, "taxFree": 0, "count": 1}
    assert coffee["net"] == {"total": 12_000, "taxable": 12_000, "taxFree": 0}
    assert coffee["days"] == [
        {
            "date": "2026-11-02",
            "gross": {"total": 30_000, "count": 1},
            "refunds": {"total": 0, "count": 0},
            "net": {"total": 30_000, "taxable": 30_000, "taxFree": 0},
        },
        {
            "date": "2026-11-05",
            "gross": {"total": 12_000, "count": 1},
            "refunds": {"total": 30_000, "count": 1},
            "net": {"total": -18_000, "taxable": -18_000, "taxFree": 0},
        },
    ]


def test_the_same_numbers_as_rest(gql_for, api_client_for, world):
    report = gql_for(world.users["staff"])(STATEMENT, NOVEMBER)["sellerStatement"]
    rest = api_client_for(world.users["staff"]).get("/api/v1/statements/", NOVEMBER).json()

    assert [s["net"]["total"] for s in report["sellers"]] == [s["net"]["total"] for s in rest["sellers"]]
    assert [s["sellerName"] for s in report["sellers"]] == ["coffee", "farm"]
    assert report["total"]["net"] == {"total": 32_000, "taxable": 12_000, "taxFree": 20_000}
    assert report["total"]["gross"]["count"] == rest["total"]["gross"]["count"] == 3


def test_staff_may_ask_for_one_seller_by_its_global_id(gql_for, world):
    variables = NOVEMBER | {"seller": global_id("Seller", world.farm.pk)}
    report = gql_for(world.users["staff"])(STATEMENT, variables)["sellerStatement"]

    assert [s["sellerName"] for s in report["sellers"]] == ["farm"]
    assert report["total"]["net"]["taxFree"] == 20_000


def test_a_seller_without_activity_is_listed_with_zeros(gql_for, world):
    [idle] = gql_for(world.idle.user)(STATEMENT, NOVEMBER)["sellerStatement"]["sellers"]

    assert idle["days"] == [] and idle["net"] == {"total": 0, "taxable": 0, "taxFree": 0}


@pytest.mark.parametrize(
    ("role", "seller", "code"),
    [
        ("anonymous", None, "not_authenticated"),
        ("buyer", None, "permission_denied"),
        ("coffee", "farm", "permission_denied"),
        ("staff", "missing", "not_found"),
    ],
)
def test_who_may_not(gql_for, world, role, seller, code):
    key = {"farm": world.farm.pk, "missing": world.idle.pk + 1_000}.get(seller)
    variables = NOVEMBER | ({"seller": global_id("Seller", key)} if seller else {})

    error = refused(gql_for, world.users[role], variables)

    assert error["extensions"]["code"] == code
    assert "coffee" not in str(error)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),  # reversed
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        (NOVEMBER | {"seller": global_id("Product", 1)}, "sellerId"),
        (NOVEMBER | {"seller": global_id("Seller", "abc")}, "sellerId"),
    ],
)
def test_a_refused_period_or_seller_names_the_argument(gql_for, world, variables, field):
    error = refused(gql_for, world.users["staff"], variables)

    assert error["extensions"]["code"] == "validation_error"
    assert list(error["extensions"]["fields"]) == [field]


@pytest.mark.parametrize(
    "variables",
    [
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "2026-11-01", "to": "tomorrow"},
        {"from": "", "to": "2026-11-30"},
        {"to": "2026-11-30"},
        {"from": 20261101, "to": "2026-11-30"},
        NOVEMBER | {"seller": "not base64!"},
    ],
)
def test_malformed_arguments_are_a_validation_error_not_a_bug(gql_for, world, variables):
    error = refused(gql_for, world.users["staff"], variables)

    assert error["extensions"]["code"] == "validation_error"


def test_amounts_beyond_graphqls_int_are_exact(gql_for, world, buyer, make_product, pay_at_pg, settings):
    # Two orders of 1.5 billion won: the total (3 billion) does not fit a 32-bit Int.
    big = make_product(seller=world.farm, price=1_500_000_000, stock=2)
    pay(buyer, pay_at_pg, [(big, 1)], SALE_DAY)
    pay(buyer, pay_at_pg, [(big, 1)], SALE_DAY)

    report = gql_for(world.users["staff"])(STATEMENT, NOVEMBER)["sellerStatement"]

    assert report["total"]["gross"]["total"] == 3_000_062_000
    assert next(s for s in report["sellers"] if s["sellerName"] == "farm")["net"]["total"] == 3_000_020_000


def test_query_count_does_not_grow_with_orders_or_sellers(
    gql_for, world, make_seller, make_product, buyer, pay_at_pg
):
    client = gql_for(world.users["staff"])
    client(STATEMENT, NOVEMBER)
    with CaptureQueriesContext(connection) as before:
        client(STATEMENT, NOVEMBER)
    for index in range(3):
        pay(buyer, pay_at_pg, [(make_product(seller=make_seller(f"more{index}"), price=1_000), 1)], SALE_DAY)
    with CaptureQueriesContext(connection) as after:
        assert len(client(STATEMENT, NOVEMBER)["sellerStatement"]["sellers"]) == 5

    assert len(after) == len(before) <= 7  # + 2: the cash receipt columns
