"""GET /api/v1/statements/: the REST adapter of payments.statements (JSON and CSV)."""

from datetime import date

import pytest

from config.errors import DomainError, ErrorCode
from payments import statements
from payments.statements import (
    CountedMoney,
    Money,
    SellerStatement,
    Statement,
    StatementDay,
    StatementTotal,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/statements/"


def _counted(total, tax_free=0, count=1):
    return CountedMoney(total=total, taxable=total - tax_free, tax_free=tax_free, count=count)


def _money(total, tax_free=0):
    return Money(total=total, taxable=total - tax_free, tax_free=tax_free)


@pytest.fixture
def fake_statements(monkeypatch, make_seller):
    """Stand-ins for the statement entry points (until the selectors land): record how they were called."""
    shop = make_seller("coffee")
    calls = {}

    def statement_period(*, date_from, date_to):
        calls["period"] = (date_from, date_to)
        fields = {}
        parsed = {}
        for name, value in (("from", date_from), ("to", date_to)):
            try:
                parsed[name] = value if isinstance(value, date) else date.fromisoformat(value or "")
            except ValueError:
                fields[name] = ["Enter a date as YYYY-MM-DD."]
        if fields:
            raise DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": fields})
        if parsed["to"] < parsed["from"]:
            raise DomainError.invalid("to", "must not be before from")
        if (parsed["to"] - parsed["from"]).days + 1 > statements.STATEMENT_MAX_DAYS:
            raise DomainError.invalid("to", "at most 366 days")
        return parsed["from"], parsed["to"]

    def seller_statement(*, user, date_from, date_to, seller_id=None):
        calls["statement"] = {
            "user": user,
            "date_from": date_from,
            "date_to": date_to,
            "seller_id": seller_id,
        }
        if not user.is_staff and not hasattr(user, "seller"):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        day = StatementDay(
            date=date_from,
            gross=_counted(30_000, 5_000, 3),
            refunds=_counted(10_000),
            net=_money(20_000, 5_000),
        )
        seller = SellerStatement(
            seller_id=shop.pk,
            seller_name=shop.name,
            gross=day.gross,
            refunds=day.refunds,
            net=day.net,
            days=[day],
        )
        total = StatementTotal(gross=day.gross, refunds=day.refunds, net=day.net) if user.is_staff else None
        return Statement(date_from=date_from, date_to=date_to, sellers=[seller], total=total)

    def statement_csv(statement, *, headers="en"):
        calls["csv"] = headers
        return "\ufeffseller_id,date\r\n" + "".join(
            f"{seller.seller_id},{day.date}\r\n" for seller in statement.sellers for day in seller.days
        )

    for name, fake in (
        ("statement_period", statement_period),
        ("seller_statement", seller_statement),
        ("statement_csv", statement_csv),
    ):
        monkeypatch.setattr(statements, name, fake, raising=False)
    return shop, calls


def test_json_is_the_default(api_client_for, fake_statements):
    shop, calls = fake_statements
    response = api_client_for(shop.user).get(URL, {"from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert calls["period"] == ("2026-11-01", "2026-11-30")
    body = response.json()
    assert body == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "timezone": "Asia/Seoul",
        "currency": "KRW",
        "sellers": [
            {
                "seller_id": shop.pk,
                "seller_name": "coffee",
                "gross": {"total": 30_000, "taxable": 25_000, "tax_free": 5_000, "count": 3},
                "refunds": {"total": 10_000, "taxable": 10_000, "tax_free": 0, "count": 1},
                "net": {"total": 20_000, "taxable": 15_000, "tax_free": 5_000},
                "days": [
                    {
                        "date": "2026-11-01",
                        "gross": {"total": 30_000, "taxable": 25_000, "tax_free": 5_000, "count": 3},
                        "refunds": {"total": 10_000, "taxable": 10_000, "tax_free": 0, "count": 1},
                        "net": {"total": 20_000, "taxable": 15_000, "tax_free": 5_000},
                    }
                ],
            }
        ],
        "total": None,
    }


@pytest.mark.parametrize(
    "how",
    [{"HTTP_ACCEPT": "text/csv"}, {"format": "csv"}, {"HTTP_ACCEPT": "application/json", "format": "csv"}],
)
def test_csv_by_accept_or_format(api_client_for, fake_statements, how):
    shop, calls = fake_statements
    query = {"from": "2026-11-01", "to": "2026-11-30", "headers": "ko"}
    headers = {key: value for key, value in how.items() if key.startswith("HTTP_")}
    query |= {key: value for key, value in how.items() if not key.startswith("HTTP_")}

    response = api_client_for(shop.user).get(URL, query, **headers)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="statement-2026-11-01_2026-11-30.csv"'
    assert response.content.decode("utf-8").startswith("\ufeffseller_id")
    assert calls["csv"] == "ko"
    assert "Accept" in response["Vary"]


def test_errors_answer_the_json_envelope_when_csv_was_asked_for(api_client_for, fake_statements):
    shop, _ = fake_statements
    response = api_client_for(shop.user).get(URL, {"from": "2026-13-01", "to": "x", "format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert set(response.json()["details"]["fields"]) == {"from", "to"}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2026-11-01"},
        {"to": "2026-11-01"},
        {"from": "", "to": ""},
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "2026-11-30", "to": "2026-11-01"},  # reversed
        {"from": "2025-01-01", "to": "2026-01-02"},  # 367 days
        {"from": "2026-11-01", "to": "2026-11-30", "seller": "abc"},
        {"from": "2026-11-01", "to": "2026-11-30", "seller": "0"},
        {"from": "2026-11-01", "to": "2026-11-30", "seller": str(2**64)},
        {"from": "2026-11-01", "to": "2026-11-30", "headers": "fr"},
        {"from": "2026-11-01", "to": "2026-11-30", "format": "xml"},
        {"from": "2026-11-01", "to": "2026-11-30", "format": "api"},
    ],
)
def test_bad_parameters_are_a_validation_error(api_client_for, fake_statements, query):
    shop, _ = fake_statements
    response = api_client_for(shop.user).get(URL, query)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"]["fields"]


def test_an_accept_no_format_offers_is_not_acceptable(api_client_for, fake_statements):
    shop, _ = fake_statements
    response = api_client_for(shop.user).get(
        URL, {"from": "2026-11-01", "to": "2026-11-30"}, HTTP_ACCEPT="application/xml"
    )

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_anonymous_is_not_authenticated(api_client_for, fake_statements):
    response = api_client_for(None).get(URL, {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_buyer_is_permission_denied(api_client_for, fake_statements, buyer):
    response = api_client_for(buyer).get(URL, {"from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_staff_pass_the_seller_filter(api_client_for, fake_statements, make_user):
    shop, calls = fake_statements
    response = api_client_for(make_user(is_staff=True)).get(
        URL, {"from": "2026-11-01", "to": "2026-11-30", "seller": str(shop.pk)}
    )

    assert response.status_code == 200
    assert calls["statement"]["seller_id"] == shop.pk
    assert response.json()["total"]["net"] == {"total": 20_000, "taxable": 15_000, "tax_free": 5_000}
