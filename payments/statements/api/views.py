"""REST adapter for seller statements (docs/statements.md): parse, call the selectors, render.

The period's rules (format, order, length), who sees which seller and the CSV's columns are
payments.statements' (`selectors`, `csv`); errors are never caught here (`config.exception_handler`
answers them).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.db_router import replica_reads
from config.errors import ErrorCode
from config.filters import refuse_empty_parameters
from config.ids import PK_MAX
from config.openapi import ALWAYS_ERRORS, error_responses
from config.renderers import CSVRenderer, StrictFormatNegotiation, json_unless_csv
from payments.statements.api.serializers import StatementOutputSerializer
from payments.statements.csv import CSV_HEADERS, statement_csv
from payments.statements.selectors import STATEMENT_MAX_DAYS, Statement, seller_statement, statement_period

_HEADERS = list(CSV_HEADERS)  # en, ko
_CSV_EXAMPLE = (  # what statement_csv writes, for the schema's example
    "\ufeff" + ",".join(CSV_HEADERS["en"]) + "\r\n"
    "7,커피농장,2026-11-02,3,30000,0,30000,1,10000,0,10000,20000,0,20000,1,20000,0,20000\r\n"
    "7,커피농장,total,3,30000,0,30000,1,10000,0,10000,20000,0,20000,1,20000,0,20000\r\n"
)


def csv_filename(statement: Statement) -> str:
    return f"statement-{statement.date_from.isoformat()}_{statement.date_to.isoformat()}.csv"


class StatementApi(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]  # JSON unless CSV is asked for
    content_negotiation_class = StrictFormatNegotiation

    class InputSerializer(serializers.Serializer):
        # `from`, `to` and `seller` go to the selectors as sent: their rules are its own. The CSV's
        # header languages are its too; asked for with JSON as well, an unknown one is refused alike.
        headers = serializers.ChoiceField(choices=_HEADERS, default="en")

        class Meta:
            ref_name = "StatementQuery"

    @extend_schema(
        operation_id="statements_retrieve",
        summary="A seller statement: sales, refunds, net and cash receipts per seller and day (JSON or CSV)",
        description=(
            "Days are Asia/Seoul dates, `from` to `to` inclusive, at most "
            f"{STATEMENT_MAX_DAYS} days. A sale is booked on the day its payment was made, "
            "a refund on the day its cancellation succeeded, each charged to the sellers whose lines it "
            "was for, a cash receipt (현금영수증) on the day it was issued while it stands, split over the "
            "sellers by what each kept in the payment (booking rules: docs/statements.md). A seller gets "
            "its own statement (naming another seller is `permission_denied`); staff get every seller "
            "with activity, or `seller`, and the `total`; anyone else `permission_denied`.\n\n"
            "CSV with `Accept: text/csv` or `format=csv`: UTF-8 with a BOM (opens in Excel), CRLF line "
            "ends, per seller a row per day then its total row (`date` = `total`), staff statements end "
            "with an all-sellers row; downloaded as `statement-<from>_<to>.csv` (`Content-Disposition`). "
            "Errors answer the JSON envelope whatever format was asked for."
        ),
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="First day (YYYY-MM-DD), inclusive."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="Last day (YYYY-MM-DD), inclusive."
            ),
            OpenApiParameter(
                "seller",
                {"type": "integer", "minimum": 1, "maximum": PK_MAX},
                description="Staff: only this seller (`not_found` if none); a seller: its own id only.",
            ),
            OpenApiParameter(
                "format",
                str,
                enum=[JSONRenderer.format, CSVRenderer.format],
                description="Overrides `Accept`: `csv` for the CSV file.",
            ),
            OpenApiParameter(
                "headers",
                str,
                enum=_HEADERS,
                default="en",
                description="CSV column names: `en` (machine names) or `ko` (판매자 ID, 일자, …).",
            ),
        ],
        responses={
            (200, JSONRenderer.media_type): StatementOutputSerializer,
            (200, CSVRenderer.media_type): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="The statement as CSV (`format=csv` or `Accept: text/csv`).",
                examples=[OpenApiExample("csv", value=_CSV_EXAMPLE, media_type=CSVRenderer.media_type)],
            ),
        }
        | {
            (status, JSONRenderer.media_type): response
            for status, response in error_responses(
                ErrorCode.VALIDATION_ERROR,
                ErrorCode.PERMISSION_DENIED,
                ErrorCode.NOT_FOUND,
                ErrorCode.NOT_ACCEPTABLE,
                *ALWAYS_ERRORS,
            ).items()
        },
    )
    @replica_reads()  # a statement tolerates seconds of lag (docs/scaling.md "Read replica")
    def get(self, request: Request) -> Response:
        refuse_empty_parameters(request.query_params, ("seller", "format", "headers"))
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from, date_to = statement_period(
            date_from=request.query_params.get("from"), date_to=request.query_params.get("to")
        )
        statement = seller_statement(
            user=request.user,
            date_from=date_from,
            date_to=date_to,
            seller_id=request.query_params.get("seller"),
        )
        if request.accepted_renderer.format == CSVRenderer.format:
            return Response(
                statement_csv(statement, headers=query.validated_data["headers"]),
                headers={"Content-Disposition": f'attachment; filename="{csv_filename(statement)}"'},
            )
        return Response(StatementOutputSerializer(statement).data)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        return json_unless_csv(super().finalize_response(request, response, *args, **kwargs))
