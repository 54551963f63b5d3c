"""A statement as CSV (docs/statements.md): Excel-friendly, in English or Korean headers, safe from
formula injection. Reads the dataclasses `payments.statements.selectors` builds."""

from __future__ import annotations

import csv
import io
from typing import Any

from config.errors import DomainError
from payments.statements.selectors import SellerStatement, Statement, StatementDay, StatementTotal, net_of

CSV_HEADERS = {
    "en": (
        "seller_id",
        "seller_name",
        "date",
        "sales_count",
        "sales_taxable",
        "sales_tax_free",
        "sales_total",
        "refund_count",
        "refund_taxable",
        "refund_tax_free",
        "refund_total",
        "net_taxable",
        "net_tax_free",
        "net_total",
        "cash_receipt_count",
        "cash_receipt_taxable",
        "cash_receipt_tax_free",
        "cash_receipt_total",
    ),
    "ko": (
        "판매자 ID",
        "판매자",
        "일자",
        "판매 건수",
        "과세 매출",
        "면세 매출",
        "매출 합계",
        "환불 건수",
        "과세 환불",
        "면세 환불",
        "환불 합계",
        "과세 순매출",
        "면세 순매출",
        "순매출 합계",
        "현금영수증 건수",
        "현금영수증 과세",
        "현금영수증 면세",
        "현금영수증 합계",
    ),
}
_TOTAL_LABEL = {"en": "total", "ko": "합계"}
_ALL_LABEL = {"en": "all", "ko": "전체"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted (CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(
    seller_id: object, name: str, day: str, entry: StatementDay | SellerStatement | StatementTotal
) -> list:
    gross, refunds, cash = entry.gross, entry.refunds, entry.cash_receipts
    net = net_of(gross, refunds)
    return [
        seller_id,
        name,
        day,
        gross.count,
        gross.taxable,
        gross.tax_free,
        gross.total,
        refunds.count,
        refunds.taxable,
        refunds.tax_free,
        refunds.total,
        net.taxable,
        net.tax_free,
        net.total,
        cash.count,
        cash.taxable,
        cash.tax_free,
        cash.total,
    ]


def statement_csv(statement: Statement, *, headers: str = "en") -> str:
    """Excel-friendly CSV text: a UTF-8 BOM first, CRLF line ends, headers "en" (machine names) or
    "ko". Per seller its days (YYYY-MM-DD), then its total row ("total" / "합계"); a staff statement
    ends with the all-sellers row (seller_id empty, seller_name "all" / "전체")."""
    if headers not in CSV_HEADERS:
        raise DomainError.invalid("headers", "en or ko")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS[headers])
    total_label = _TOTAL_LABEL[headers]
    for seller in statement.sellers:
        for day in seller.days:
            row = _csv_row(seller.seller_id, seller.seller_name, day.date.isoformat(), day)
            writer.writerow([_cell(value) for value in row])
        row = _csv_row(seller.seller_id, seller.seller_name, total_label, seller)
        writer.writerow([_cell(value) for value in row])
    if statement.total is not None:
        total = statement.total
        writer.writerow(_csv_row("", _ALL_LABEL[headers], total_label, total))
    return "\ufeff" + out.getvalue()
