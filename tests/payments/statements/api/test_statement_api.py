"""GET /api/v1/statements/: the REST adapter of payments.statements (JSON and CSV), on orders paid at
the Bootpay emulator."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.payments.statement_world import NOVEMBER, REFUND_DAY, SALE_DAY, build_statement_world, pay

pytestmark = pytest.mark.django_db

URL = "/api/v1/statements/"


@pytest.fixture
def world(buyer, make_user, make_seller, make_product, pay_at_pg):
    return build_statement_world(
        buyer=buyer,
        make_user=make_user,
        make_seller=make_seller,
        make_product=make_product,
        pay_at_pg=pay_at_pg,
    )


def get(api_client_for, world, role, query=None, **headers):
    return api_client_for(world.users[role]).get(URL, NOVEMBER if query is None else query, **headers)


def counted(total, taxable, tax_free, count):
    return {"total": total, "taxable": taxable, "tax_free": tax_free, "count": count}


def money(total, taxable, tax_free):
    return {"total": total, "taxable": taxable, "tax_free": tax_free}


ZERO, ZERO_COUNTED = money(0, 0, 0), counted(0, 0, 0, 0)


def coffee_statement(world):
    return {
        "seller_id": world.coffee.pk,
        "seller_name": "coffee",
        "gross": counted(42_000, 42_000, 0, 2),
        "refunds": counted(30_000, 30_000, 0, 1),
        "net": money(12_000, 12_000, 0),
        "cash_receipts": ZERO_COUNTED,
        "days": [
            {
                "date": SALE_DAY.isoformat(),
                "gross": counted(30_000, 30_000, 0, 1),
                "refunds": ZERO_COUNTED,
                "net": money(30_000, 30_000, 0),
                "cash_receipts": ZERO_COUNTED,  # paid by card: no cash receipt
            },
            {
                "date": REFUND_DAY.isoformat(),
                "gross": counted(12_000, 12_000, 0, 1),
                "refunds": counted(30_000, 30_000, 0, 1),
                "net": money(-18_000, -18_000, 0),
                "cash_receipts": ZERO_COUNTED,
            },
        ],
    }


def farm_statement(world):
    return {
        "seller_id": world.farm.pk,
        "seller_name": "farm",
        "gross": counted(20_000, 0, 20_000, 1),
        "refunds": ZERO_COUNTED,
        "net": money(20_000, 0, 20_000),
        "cash_receipts": ZERO_COUNTED,
        "days": [
            {
                "date": SALE_DAY.isoformat(),
                "gross": counted(20_000, 0, 20_000, 1),
                "refunds": ZERO_COUNTED,
                "net": money(20_000, 0, 20_000),
                "cash_receipts": ZERO_COUNTED,
            }
        ],
    }


# --- Who sees what ------------------------------------------------------------------------------------


def test_a_seller_gets_its_own_statement_without_the_total(api_client_for, world):
    response = get(api_client_for, world, "coffee")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "timezone": "Asia/Seoul",
        "currency": "KRW",
        "sellers": [coffee_statement(world)],
        "total": None,
    }


def test_a_seller_without_activity_gets_an_empty_statement(api_client_for, world):
    body = get(api_client_for, world, "idle").json()

    assert body["sellers"] == [
        {
            "seller_id": world.idle.pk,
            "seller_name": "idle",
            "gross": ZERO_COUNTED,
            "refunds": ZERO_COUNTED,
            "net": ZERO,
            "cash_receipts": ZERO_COUNTED,
            "days": [],
        }
    ]
    assert body["total"] is None


def test_staff_get_every_seller_with_activity_and_the_total(api_client_for, world):
    body = get(api_client_for, world, "staff").json()

    assert body["sellers"] == [coffee_statement(world), farm_statement(world)]  # idle sold nothing
    assert body["total"] == {
        "gross": counted(62_000, 42_000, 20_000, 3),
        "refunds": counted(30_000, 30_000, 0, 1),
        "net": money(32_000, 12_000, 20_000),
        "cash_receipts": ZERO_COUNTED,
    }


def test_staff_may_ask_for_one_seller(api_client_for, world):
    body = get(api_client_for, world, "staff", NOVEMBER | {"seller": world.farm.pk}).json()

    assert body["sellers"] == [farm_statement(world)]
    assert body["total"]["net"] == money(20_000, 0, 20_000)


def test_staff_asking_for_a_seller_that_does_not_exist_is_not_found(api_client_for, world):
    response = get(api_client_for, world, "staff", NOVEMBER | {"seller": world.idle.pk + 1_000})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "seller", "status", "code"),
    [
        ("anonymous", None, 401, "not_authenticated"),
        ("buyer", None, 403, "permission_denied"),
        ("coffee", "farm", 403, "permission_denied"),  # another seller's statement
        ("farm", "coffee", 403, "permission_denied"),
        ("coffee", "coffee", 200, None),  # its own id is fine
    ],
)
def test_visibility(api_client_for, world, role, seller, status, code):
    query = NOVEMBER | ({"seller": getattr(world, seller).pk} if seller else {})
    for how in ({}, {"format": "csv"}):  # the same answer whatever the format
        response = get(api_client_for, world, role, query | how)

        assert response.status_code == status, response.content
        if code:
            assert response["Content-Type"] == "application/json"
            assert response.json()["code"] == code
            assert "coffee" not in response.content.decode() or role == "coffee"


# --- CSV ----------------------------------------------------------------------------------------------


def rows_of(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        (NOVEMBER, {"HTTP_ACCEPT": "text/csv"}),
        (NOVEMBER | {"format": "csv"}, {}),
        (NOVEMBER | {"format": "csv"}, {"HTTP_ACCEPT": "application/json"}),  # format wins over Accept
        (NOVEMBER, {"HTTP_ACCEPT": "text/csv;q=0.9, application/xml"}),
    ],
)
def test_csv_by_accept_or_format(api_client_for, world, query, headers):
    response = get(api_client_for, world, "staff", query, **headers)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="statement-2026-11-01_2026-11-30.csv"'
    assert "Accept" in response["Vary"]
    rows = rows_of(response)
    assert rows[0][:3] == ["seller_id", "seller_name", "date"] and len(rows[0]) == 18
    coffee, farm = str(world.coffee.pk), str(world.farm.pk)
    assert [row[:4] for row in rows[1:]] == [
        [coffee, "coffee", "2026-11-02", "1"],
        [coffee, "coffee", "2026-11-05", "1"],
        [coffee, "coffee", "total", "2"],
        [farm, "farm", "2026-11-02", "1"],
        [farm, "farm", "total", "1"],
        ["", "all", "total", "3"],
    ]
    assert rows[-1][13] == "32000"  # net_total of everyone
    assert rows[0][14:] == [
        "cash_receipt_count",
        "cash_receipt_taxable",
        "cash_receipt_tax_free",
        "cash_receipt_total",
    ]
    assert all(row[14:] == ["0", "0", "0", "0"] for row in rows[1:])  # paid by card: no cash receipt


def test_json_is_the_default_and_accept_json_stays_json(api_client_for, world):
    for headers in ({}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "application/json"}):
        response = get(api_client_for, world, "coffee", **headers)

        assert response["Content-Type"] == "application/json", headers
        assert "Content-Disposition" not in response
        assert "Accept" in response["Vary"]


def test_a_sellers_csv_in_korean(api_client_for, world):
    response = get(api_client_for, world, "coffee", NOVEMBER | {"format": "csv", "headers": "ko"})

    rows = rows_of(response)
    assert rows[0][:4] == ["판매자 ID", "판매자", "일자", "판매 건수"]
    assert [row[2] for row in rows[1:]] == ["2026-11-02", "2026-11-05", "합계"]  # no all-sellers row
    assert rows[-1][13] == "12000"
    assert rows[0][14:] == ["현금영수증 건수", "현금영수증 과세", "현금영수증 면세", "현금영수증 합계"]


def test_errors_answer_the_json_envelope_when_csv_was_asked_for(api_client_for, world):
    for query, headers in (
        ({"from": "2026-13-01", "to": "x", "format": "csv"}, {}),
        ({"from": "2026-13-01", "to": "x"}, {"HTTP_ACCEPT": "text/csv"}),
    ):
        response = get(api_client_for, world, "coffee", query, **headers)

        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "Content-Disposition" not in response
        assert set(response.json()["details"]["fields"]) == {"from"}  # `from` first: then `to`


# --- Refused input: always a 400 validation_error naming the parameter, never a 500 ----------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "from"),
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "", "to": ""}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "2026-11-01", "to": "20261130"}, "to"),
        ({"from": "2026-11-01T00:00", "to": "2026-11-30"}, "from"),
        ({"from": "٢٠٢٦-١١-٠١", "to": "2026-11-30"}, "from"),  # Arabic-Indic digits
        ({"from": "9999-12-31", "to": "9999-12-31"}, "to"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),  # reversed
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        (NOVEMBER | {"seller": "abc"}, "seller"),
        (NOVEMBER | {"seller": "0"}, "seller"),
        (NOVEMBER | {"seller": "-1"}, "seller"),
        (NOVEMBER | {"seller": str(2**64)}, "seller"),
        (NOVEMBER | {"headers": "fr"}, "headers"),
        (NOVEMBER | {"seller": ""}, "seller"),  # empty is not "not sent"
        (NOVEMBER | {"format": ""}, "format"),
        (NOVEMBER | {"headers": ""}, "headers"),
        (NOVEMBER | {"format": "xml"}, "format"),
        (NOVEMBER | {"format": "api"}, "format"),
    ],
)
def test_bad_parameters_are_a_validation_error(api_client_for, world, query, field):
    for role in ("coffee", "staff"):
        response = get(api_client_for, world, role, query)

        assert response.status_code == 400, response.content
        assert response.json()["code"] == "validation_error"
        assert list(response.json()["details"]["fields"]) == [field]


def test_a_whole_366_day_period_is_accepted(api_client_for, world):
    response = get(api_client_for, world, "staff", {"from": "2025-12-01", "to": "2026-12-01"})

    assert response.status_code == 200
    assert response.json()["total"]["net"]["total"] == 32_000


def test_an_accept_without_json_or_csv_is_not_acceptable(api_client_for, world):
    response = get(api_client_for, world, "coffee", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_acceptable"


# --- Cost -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "fmt"), [("staff", "json"), ("staff", "csv"), ("coffee", "json")])
def test_query_count_does_not_grow_with_orders_or_sellers(
    api_client_for, world, make_seller, make_product, buyer, pay_at_pg, role, fmt
):
    client = api_client_for(world.users[role])
    query = NOVEMBER | {"format": fmt}
    client.get(URL, query)  # the token's first use is not what is measured
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, query).status_code == 200

    for index in range(4):
        shop = make_seller(f"more{index}")
        lines = [
            (make_product(seller=shop, price=1_000), 1),
            (make_product(seller=world.coffee, price=500), 2),
        ]
        pay(buyer, pay_at_pg, lines, SALE_DAY if index % 2 else REFUND_DAY)
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL, query)

    assert response.status_code == 200
    # + 2 for the cash receipt columns (the receipts with their lines, the shares spent before them)
    assert len(after) == len(before) <= 7, [q["sql"] for q in after.captured_queries]
    if fmt == "json" and role == "staff":
        assert len(response.json()["sellers"]) == 6


def test_options_metadata_is_json_even_when_csv_is_asked_for(api_client_for, world):
    response = api_client_for(world.users["coffee"]).options(URL + "?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"]


def test_a_refused_period_is_explained_in_the_requests_language(api_client_for, world):
    reversed_period = {"from": "2026-11-30", "to": "2026-11-01"}
    korean = get(api_client_for, world, "coffee", reversed_period, HTTP_ACCEPT_LANGUAGE="ko").json()
    english = get(api_client_for, world, "coffee", reversed_period, HTTP_ACCEPT_LANGUAGE="en").json()

    assert korean["details"]["fields"] == {"to": ["시작일(from)보다 앞설 수 없습니다"]}
    assert english["details"]["fields"] == {"to": ["must not be before from"]}
