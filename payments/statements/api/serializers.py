"""Output shapes of a seller statement (REST), read from the dataclasses of
`payments.statements.selectors`. Amounts are whole won; each `total` is `taxable` + `tax_free`."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.statements.selectors import STATEMENT_CURRENCY, STATEMENT_TIME_ZONE


class StatementMoneySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Won: taxable + tax_free.")
    taxable = serializers.IntegerField()
    tax_free = serializers.IntegerField()

    class Meta:
        ref_name = "StatementMoney"


class StatementCountedMoneySerializer(StatementMoneySerializer):
    count = serializers.IntegerField(
        min_value=0,
        help_text=(
            "Sales: (payment, seller) pairs; refunds: (cancellation, seller) pairs; cash receipts: (receipt, "
            "seller) pairs."
        ),
    )

    class Meta:
        ref_name = "StatementCountedMoney"


class StatementDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day (Asia/Seoul).")
    gross = StatementCountedMoneySerializer(help_text="Sales booked on the day.")
    refunds = StatementCountedMoneySerializer(help_text="Refunds booked on the day.")
    net = StatementMoneySerializer(help_text="gross − refunds.")
    cash_receipts = StatementCountedMoneySerializer(
        help_text=(
            "The seller's part of the cash receipts (현금영수증) issued on the day that still stand (a "
            "cancelled one counts nowhere; its re-issue on its own day), split by what each seller kept in "
            "the payment. Not part of net."
        )
    )

    class Meta:
        ref_name = "StatementDay"


class SellerStatementSerializer(serializers.Serializer):
    seller_id = serializers.IntegerField()
    seller_name = serializers.CharField()
    gross = StatementCountedMoneySerializer(help_text="Sales in the period.")
    refunds = StatementCountedMoneySerializer(help_text="Refunds in the period.")
    net = StatementMoneySerializer(help_text="gross − refunds.")
    cash_receipts = StatementCountedMoneySerializer(
        help_text="The seller's part of the period's cash receipts."
    )
    days = StatementDaySerializer(
        many=True, help_text="Only the days with a sale, a refund or a cash receipt, oldest first."
    )

    class Meta:
        ref_name = "SellerStatement"


class StatementTotalSerializer(serializers.Serializer):
    gross = StatementCountedMoneySerializer()
    refunds = StatementCountedMoneySerializer()
    net = StatementMoneySerializer()
    cash_receipts = StatementCountedMoneySerializer(
        help_text="The period's standing cash receipts, all of them: Σ sellers."
    )

    class Meta:
        ref_name = "StatementTotal"


class StatementOutputSerializer(serializers.Serializer):
    # `from` is a Python keyword: the first two fields are declared in get_fields.
    timezone = serializers.SerializerMethodField(help_text=f"The dates' time zone: {STATEMENT_TIME_ZONE}.")
    currency = serializers.SerializerMethodField(help_text=f"Amounts are whole {STATEMENT_CURRENCY}.")
    sellers = SellerStatementSerializer(
        many=True,
        help_text=(
            "A seller: itself (also with no activity). Staff: every seller with activity in the period "
            "(or the one asked for), by name, then id."
        ),
    )
    total = StatementTotalSerializer(
        allow_null=True, help_text="All the listed sellers together: staff only; null for a seller."
    )

    class Meta:
        ref_name = "Statement"

    def get_fields(self):
        fields = super().get_fields()
        return {
            "from": serializers.DateField(source="date_from", help_text="First day, inclusive."),
            "to": serializers.DateField(source="date_to", help_text="Last day, inclusive."),
            **fields,
        }

    @extend_schema_field({"type": "string", "example": STATEMENT_TIME_ZONE})
    def get_timezone(self, statement) -> str:
        return STATEMENT_TIME_ZONE

    @extend_schema_field({"type": "string", "example": STATEMENT_CURRENCY})
    def get_currency(self, statement) -> str:
        return STATEMENT_CURRENCY
