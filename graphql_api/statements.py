"""GraphQL adapter for seller statements (docs/statements.md): the types and the `sellerStatement` query.

The period's rules and who sees which seller are payments.statements' (its selectors); the types read
its dataclasses.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, NewType

import strawberry
from strawberry import Info, relay

from graphql_api.context import current_user
from graphql_api.ids import pk_or_invalid
from graphql_api.permissions import signed_in
from graphql_api.replica import replica_reads_field
from payments.statements import selectors as statements

# A year of a marketplace's sales does not fit GraphQL's Int (32-bit, at most 2,147,483,647).
Won = NewType("Won", int)
WON_SCALAR = strawberry.scalar(
    name="Won",
    description=(
        "A whole amount of Korean won, as a JSON integer (exact up to 2^53 − 1, where GraphQL's Int stops "
        "at 2^31 − 1)."
    ),
    serialize=int,
    parse_value=int,
)  # the schema's scalar_map (graphql_api/schema.py) maps `Won` to it


@strawberry.type(name="StatementMoney", description="Won, with its taxable and tax-free parts.")
class StatementMoneyType:
    total: Won = strawberry.field(description="taxable + taxFree.")
    taxable: Won
    tax_free: Won


@strawberry.type(name="StatementCountedMoney", description="Won with its parts, and how many made it.")
class StatementCountedMoneyType(StatementMoneyType):
    count: int = strawberry.field(
        description=(
            "Sales: (payment, seller) pairs; refunds: (cancellation, seller) pairs; cash receipts: (receipt, "
            "seller) pairs."
        )
    )


@strawberry.type(
    name="StatementDay", description="One day (Asia/Seoul) with a sale, a refund or a cash receipt."
)
class StatementDayType:
    date: date
    gross: StatementCountedMoneyType = strawberry.field(description="Sales booked on the day.")
    refunds: StatementCountedMoneyType = strawberry.field(description="Refunds booked on the day.")
    net: StatementMoneyType = strawberry.field(description="gross − refunds.")
    cash_receipts: StatementCountedMoneyType = strawberry.field(
        description=(
            "The seller's part of the cash receipts (현금영수증) issued on the day that still stand (a "
            "cancelled one counts nowhere; its re-issue on its own day), split by what each seller kept in "
            "the payment. Not part of net."
        )
    )


@strawberry.type(name="SellerStatement", description="One seller's sales, refunds and net in the period.")
class SellerStatementType:
    seller_name: str
    gross: StatementCountedMoneyType
    refunds: StatementCountedMoneyType
    net: StatementMoneyType = strawberry.field(description="gross − refunds.")
    cash_receipts: StatementCountedMoneyType = strawberry.field(
        description="The seller's part of the period's cash receipts."
    )
    days: list[StatementDayType] = strawberry.field(
        description="Only the days with a sale, a refund or a cash receipt, oldest first."
    )

    @strawberry.field(description="The seller's global id (`Seller`, as `products(sellerId:)` takes).")
    def seller_id(self, root: statements.SellerStatement) -> relay.GlobalID:
        return relay.GlobalID("Seller", str(root.seller_id))


@strawberry.type(name="StatementTotal", description="All the listed sellers together.")
class StatementTotalType:
    gross: StatementCountedMoneyType
    refunds: StatementCountedMoneyType
    net: StatementMoneyType
    cash_receipts: StatementCountedMoneyType = strawberry.field(
        description="The period's standing cash receipts, all of them: Σ sellers."
    )


@strawberry.type(
    name="SellerStatementReport", description="A statement: per seller and day (docs/statements.md)."
)
class SellerStatementReportType:
    date_from: date = strawberry.field(name="from", description="First day, inclusive.")
    date_to: date = strawberry.field(name="to", description="Last day, inclusive.")
    sellers: list[SellerStatementType] = strawberry.field(
        description=(
            "A seller: itself (also with no activity). Staff: every seller with activity in the period "
            "(or the one asked for), by name, then id."
        )
    )
    total: StatementTotalType | None = strawberry.field(
        description="All the listed sellers together: staff only; null for a seller."
    )

    @strawberry.field(description=f"The dates' time zone: {statements.STATEMENT_TIME_ZONE}.")
    def timezone(self) -> str:
        return statements.STATEMENT_TIME_ZONE

    @strawberry.field(description=f"Amounts are whole {statements.STATEMENT_CURRENCY}.")
    def currency(self) -> str:
        return statements.STATEMENT_CURRENCY


@strawberry.type
class StatementQuery:
    @replica_reads_field  # a statement tolerates seconds of lag
    @strawberry.field(
        description=(
            f"Sales, refunds and net per seller and day, `from` to `to` inclusive (Asia/Seoul dates, at "
            f"most {statements.STATEMENT_MAX_DAYS} days). A seller: its own (another `sellerId` is "
            "`permission_denied`); staff: every seller with activity, or `sellerId`, and the total. "
            "Refusals are errors with `extensions.code`: `validation_error` (naming `from`, `to` or "
            "`sellerId`), `not_authenticated`, `permission_denied`, `not_found` (staff: no such seller)."
        ),
        extensions=[signed_in()],  # anonymous: `not_authenticated`, the rule of the caller's own fields
    )
    def seller_statement(
        self,
        info: Info,
        date_from: Annotated[date, strawberry.argument(name="from", description="First day, inclusive.")],
        date_to: Annotated[date, strawberry.argument(name="to", description="Last day, inclusive.")],
        seller_id: relay.GlobalID | None = None,
    ) -> SellerStatementReportType:
        user = current_user(info)
        seller_pk = (
            None if seller_id is None else pk_or_invalid(seller_id, field="sellerId", type_name="Seller")
        )
        date_from, date_to = statements.statement_period(date_from=date_from, date_to=date_to)
        return statements.seller_statement(  # the dataclasses are read by the types above
            user=user, date_from=date_from, date_to=date_to, seller_id=seller_pk
        )
