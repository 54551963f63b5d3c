"""Seller statements: what each seller sold and refunded in a period (dates in Asia/Seoul).

Settlement is the PG's job; a statement is what the marketplace instructs it (or its books) with.
Booking rules (docs/statements.md):
- a sale is a payment that took the order's money (status paid, partially_cancelled or cancelled),
  booked on the day of its `purchased_at`; each seller is credited its own lines (taxable and
  tax-free apart), one sale per (payment, seller);
- a refund is a succeeded cancellation of such a payment, booked on the day of its `completed_at`,
  charged to the sellers in its recorded shares (`CancellationShare`, written by the cancel service:
  a line refund to the lines' sellers, an amount refund or a cancel made at Bootpay pro rata over
  what each seller had left), one refund per (cancellation, seller);
- net = gross − refunds. Charges of subscriptions are orders and payments like any other.
Only the REST, GraphQL and command adapters call this module; it aggregates in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATEMENT_TIME_ZONE = "Asia/Seoul"
STATEMENT_MAX_DAYS = 366


@dataclass(frozen=True)
class Money:
    """An amount in won with its taxable and tax-free parts (total == taxable + tax_free)."""

    total: int
    taxable: int
    tax_free: int


@dataclass(frozen=True)
class CountedMoney(Money):
    count: int  # sales: (payment, seller) pairs; refunds: (cancellation, seller) pairs


@dataclass(frozen=True)
class StatementDay:
    date: date
    gross: CountedMoney
    refunds: CountedMoney
    net: Money


@dataclass(frozen=True)
class SellerStatement:
    seller_id: int
    seller_name: str
    gross: CountedMoney
    refunds: CountedMoney
    net: Money
    days: list[StatementDay]  # only days with a sale or a refund, oldest first


@dataclass(frozen=True)
class StatementTotal:
    gross: CountedMoney
    refunds: CountedMoney
    net: Money


@dataclass(frozen=True)
class Statement:
    date_from: date  # inclusive
    date_to: date  # inclusive
    sellers: list[SellerStatement]  # by seller name, then id
    total: StatementTotal | None  # staff only; None for a seller's own statement


# --- Entry points (implemented by the statements work; adapters call only these) -------------------
#
# statement_period(*, date_from: object, date_to: object) -> tuple[date, date]
#     "YYYY-MM-DD" strings (or dates) → dates; validation_error naming `from` / `to` when missing,
#     malformed, to < from, or longer than STATEMENT_MAX_DAYS.
# seller_statement(*, user, date_from: date, date_to: date, seller_id: int | None = None) -> Statement
#     A seller: its own statement (listed even with no activity; seller_id of another → permission_denied).
#     Staff: every seller with activity (or only seller_id) and the total. Anyone else: permission_denied.
# statement_csv(statement: Statement, *, headers: str = "en") -> str
#     Excel-friendly CSV text starting with a UTF-8 BOM; headers "en" (machine names) or "ko".
