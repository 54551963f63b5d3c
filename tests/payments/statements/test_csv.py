"""The statement as CSV: Excel-friendly (BOM, CRLF), en or ko headers, rows per day then totals."""

import csv
import io
from datetime import date

import pytest

from config.errors import DomainError, ErrorCode
from payments.money import Money
from payments.statements.csv import statement_csv
from payments.statements.selectors import (
    CountedMoney,
    SellerStatement,
    Statement,
    StatementDay,
    StatementTotal,
)

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
EN = (
    "seller_id,seller_name,date,sales_count,sales_taxable,sales_tax_free,sales_total,refund_count,"
    "refund_taxable,refund_tax_free,refund_total,net_taxable,net_tax_free,net_total,"
    "cash_receipt_count,cash_receipt_taxable,cash_receipt_tax_free,cash_receipt_total"
)
KO = (
    "판매자 ID,판매자,일자,판매 건수,과세 매출,면세 매출,매출 합계,환불 건수,과세 환불,면세 환불,환불 합계,"
    "과세 순매출,면세 순매출,순매출 합계,현금영수증 건수,현금영수증 과세,현금영수증 면세,현금영수증 합계"
)


def counted(count, taxable, tax_free):
    return CountedMoney(amount=taxable + tax_free, tax_free=tax_free, count=count)


def net(gross, refunds):
    taxable, tax_free = gross.taxable - refunds.taxable, gross.tax_free - refunds.tax_free
    return Money(amount=taxable + tax_free, tax_free=tax_free)


def summed(parts):
    parts = list(parts)
    return counted(sum(p.count for p in parts), sum(p.taxable for p in parts), sum(p.tax_free for p in parts))


def seller(pk, name, days):
    """`days`: (date, gross, refunds[, cash receipts])."""
    entries = [
        StatementDay(date=d, gross=g, refunds=r, net=net(g, r), cash_receipts=c[0] if c else counted(0, 0, 0))
        for d, g, r, *c in days
    ]
    gross = counted(
        sum(e.gross.count for e in entries),
        sum(e.gross.taxable for e in entries),
        sum(e.gross.tax_free for e in entries),
    )
    refunds = counted(
        sum(e.refunds.count for e in entries),
        sum(e.refunds.taxable for e in entries),
        sum(e.refunds.tax_free for e in entries),
    )
    return SellerStatement(
        seller_id=pk,
        seller_name=name,
        gross=gross,
        refunds=refunds,
        net=net(gross, refunds),
        cash_receipts=summed(e.cash_receipts for e in entries),
        days=entries,
    )


@pytest.fixture
def statement():
    a = seller(
        3,
        "가게 A",
        [
            (D1, counted(2, 30_000, 5_000), counted(0, 0, 0), counted(2, 28_000, 4_500)),
            (D2, counted(0, 0, 0), counted(1, 1_000, 500)),
        ],
    )
    b = seller(
        7, '=HYPERLINK("http://x")', [(D2, counted(1, 9_900, 0), counted(0, 0, 0), counted(1, 9_900, 0))]
    )
    gross = counted(3, 39_900, 5_000)
    refunds = counted(1, 1_000, 500)
    cash = summed((a.cash_receipts, b.cash_receipts))
    total = StatementTotal(gross=gross, refunds=refunds, net=net(gross, refunds), cash_receipts=cash)
    return Statement(date_from=D1, date_to=D2, sellers=[a, b], total=total)


def test_the_csv_starts_with_a_bom_and_ends_lines_with_crlf(statement):
    text = statement_csv(statement)

    assert text.startswith("\ufeff" + EN + "\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def test_rows_are_each_sellers_days_then_its_total_then_all_sellers(statement):
    rows = list(csv.reader(io.StringIO(statement_csv(statement).lstrip("\ufeff"))))

    name = '\'=HYPERLINK("http://x")'  # quoted: a spreadsheet would run it
    assert [(*row[:3], [int(cell) for cell in row[3:]]) for row in rows[1:]] == [
        (
            "3",
            "가게 A",
            "2026-03-01",
            [2, 30000, 5000, 35000, 0, 0, 0, 0, 30000, 5000, 35000, 2, 28000, 4500, 32500],
        ),
        ("3", "가게 A", "2026-03-02", [0, 0, 0, 0, 1, 1000, 500, 1500, -1000, -500, -1500, 0, 0, 0, 0]),
        (
            "3",
            "가게 A",
            "total",
            [2, 30000, 5000, 35000, 1, 1000, 500, 1500, 29000, 4500, 33500, 2, 28000, 4500, 32500],
        ),
        ("7", name, "2026-03-02", [1, 9900, 0, 9900, 0, 0, 0, 0, 9900, 0, 9900, 1, 9900, 0, 9900]),
        ("7", name, "total", [1, 9900, 0, 9900, 0, 0, 0, 0, 9900, 0, 9900, 1, 9900, 0, 9900]),
        (
            "",
            "all",
            "total",
            [3, 39900, 5000, 44900, 1, 1000, 500, 1500, 38900, 4500, 43400, 3, 37900, 4500, 42400],
        ),
    ]


def test_korean_headers_and_labels(statement):
    rows = list(csv.reader(io.StringIO(statement_csv(statement, headers="ko").lstrip("\ufeff"))))

    assert ",".join(rows[0]) == KO
    assert len(rows[0]) == len(EN.split(",")) == 18 and all(len(row) == 18 for row in rows)
    assert [row[2] for row in rows[1:]] == ["2026-03-01", "2026-03-02", "합계", "2026-03-02", "합계", "합계"]
    assert rows[-1][:2] == ["", "전체"]


def test_a_sellers_own_statement_has_no_all_sellers_row(statement):
    own = Statement(date_from=D1, date_to=D2, sellers=statement.sellers[:1], total=None)

    rows = list(csv.reader(io.StringIO(statement_csv(own).lstrip("\ufeff"))))

    assert [row[2] for row in rows[1:]] == ["2026-03-01", "2026-03-02", "total"]


@pytest.mark.parametrize("name", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_name_a_spreadsheet_would_run_is_quoted(name):
    shop = seller(1, name, [])
    text = statement_csv(Statement(date_from=D1, date_to=D1, sellers=[shop], total=None))

    (row,) = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    assert row[1] == "'" + name


def test_unknown_headers_are_a_validation_error(statement):
    with pytest.raises(DomainError) as error:
        statement_csv(statement, headers="fr")

    assert error.value.code == ErrorCode.VALIDATION_ERROR and "headers" in error.value.details["fields"]
