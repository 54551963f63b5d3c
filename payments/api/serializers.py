"""Output shapes for payments and automatic payments. Amounts are integer won; the raw PG receipt and
the billing key are never exposed."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.i18n import localize
from config.serializers import ModelOutputSerializer
from orders.api.serializers import CashReceiptOutputSerializer
from orders.selectors import order_cash_receipt_shown
from payments.models import (
    Cancellation,
    Payment,
    PaymentEvent,
)
from payments.pg_rules import PaymentActions
from payments.selectors import payment_actions


class CancellationOutputSerializer(ModelOutputSerializer):
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Order line ids.")

    class Meta:
        model = Cancellation
        ref_name = "Cancellation"
        fields = [
            "cancel_id",
            "amount",
            "tax_free_amount",
            "reason",
            "items",
            "state",
            "error_code",
            "idempotency_key",
            "created_at",
            "completed_at",
        ]


class PaymentEventOutputSerializer(ModelOutputSerializer):
    actor = serializers.SerializerMethodField(
        help_text="Username, or the system source (webhook, reconcile)."
    )

    class Meta:
        model = PaymentEvent
        ref_name = "PaymentEvent"
        fields = ["kind", "from_status", "to_status", "actor", "data", "created_at"]

    def get_actor(self, event: PaymentEvent) -> str:
        return event.actor.get_username() if event.actor_id and event.actor else event.actor_label


class VirtualAccountSerializer(serializers.Serializer):
    bank_code = serializers.CharField(help_text="Three-digit bank code, e.g. 004.")
    bank_name = serializers.CharField()
    account_number = serializers.CharField(help_text="The account to pay into.")
    holder = serializers.CharField(help_text="Account holder's name shown to the buyer.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="Deposit deadline.")

    class Meta:
        ref_name = "VirtualAccount"


class ActionRefusalSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in ("cancel", "partial_cancel", "line_cancel")])
    code = serializers.CharField(
        help_text="The error code the action would be refused with, e.g. partial_cancel_unsupported."
    )
    message = serializers.CharField(help_text="Why, and what to do instead (the request's language).")

    class Meta:
        ref_name = "ActionRefusal"


class PaymentActionsSerializer(serializers.Serializer):
    """What may be done with the payment now, by the PG's rules (docs/cancellations.md); the caller's own
    permissions (a buyer's shipped lines, a seller's own lines) still apply on top."""

    cancel = serializers.BooleanField(help_text="A cancel of everything that is left would be taken.")
    partial_cancel = serializers.BooleanField(help_text="A cancel of part of the amount would be taken.")
    line_cancel = serializers.BooleanField(help_text="A refund of some of the order's lines would be taken.")
    refund_account_required = serializers.BooleanField(
        help_text="A cancel must name the bank account to refund to (`refund`): a deposited virtual account."
    )
    escrow_registration = serializers.BooleanField(
        help_text="The PG takes escrow shipment registration through Bootpay (Inicis, KCP)."
    )
    reasons = ActionRefusalSerializer(many=True, help_text="One entry per action that would be refused.")

    class Meta:
        ref_name = "PaymentActions"

    def to_representation(self, actions: PaymentActions) -> dict:
        data = asdict(actions)
        data["reasons"] = [{**reason, "message": localize(reason["message"])} for reason in data["reasons"]]
        return data


class PaymentSummarySerializer(ModelOutputSerializer):
    payment_id = serializers.CharField(source="public_id", read_only=True)
    order_id = serializers.CharField(source="order.order_id", read_only=True)
    cancellable_amount = serializers.IntegerField(
        read_only=True, help_text="Won still cancellable: 0 unless paid or partially cancelled."
    )
    virtual_account = VirtualAccountSerializer(
        read_only=True,
        allow_null=True,
        help_text="The account to deposit into, for a virtual-account payment; null for other methods.",
    )
    actions = serializers.SerializerMethodField(help_text=PaymentActionsSerializer.__doc__)

    @extend_schema_field(PaymentActionsSerializer)
    def get_actions(self, payment: Payment) -> dict:
        return PaymentActionsSerializer(payment_actions(payment)).data

    class Meta:
        model = Payment
        ref_name = "PaymentSummary"
        fields = [
            "payment_id",
            "order_id",
            "receipt_id",
            "status",
            "amount",
            "tax_free_amount",
            "cancelled_amount",
            "cancelled_tax_free_amount",
            "cancellable_amount",
            "method",
            "method_name",
            "pg",
            "sandbox",
            "virtual_account",
            "actions",
            "purchased_at",
            "created_at",
            "updated_at",
        ]


class PaymentOutputSerializer(PaymentSummarySerializer):
    cancellations = CancellationOutputSerializer(many=True, read_only=True)
    events = PaymentEventOutputSerializer(many=True, read_only=True)
    cash_receipt = serializers.SerializerMethodField(
        help_text="The order's cash receipt (현금영수증); null when none applies."
    )

    class Meta(PaymentSummarySerializer.Meta):
        ref_name = "Payment"
        fields = [*PaymentSummarySerializer.Meta.fields, "cancellations", "events", "cash_receipt"]

    @extend_schema_field(CashReceiptOutputSerializer(allow_null=True))
    def get_cash_receipt(self, payment: Payment) -> dict | None:
        shown = order_cash_receipt_shown(payment.order)
        return None if shown is None else CashReceiptOutputSerializer(shown).data


class CancelOutputSerializer(serializers.Serializer):
    cancellation = CancellationOutputSerializer(
        help_text="The cancellation this request made (or, on a retry, the first)."
    )
    payment = PaymentOutputSerializer(
        allow_null=True,
        help_text="The payment after the cancel; null for a seller, who may not view the payment.",
    )

    class Meta:
        ref_name = "CancelResult"


class RefundBankSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Three-digit bank code, sent as the refund's bank_code.")
    name = serializers.CharField(help_text="The bank's Korean name, e.g. KB국민은행.")

    class Meta:
        ref_name = "RefundBank"


class RefundAccountRuleSerializer(serializers.Serializer):
    min_digits = serializers.IntegerField(help_text="Fewest digits of an account number.")
    max_digits = serializers.IntegerField(help_text="Most digits of an account number.")
    holder_max_length = serializers.IntegerField(help_text="Longest account holder's name (characters).")

    class Meta:
        ref_name = "RefundAccountRule"


class CheckoutConfigOutputSerializer(serializers.Serializer):
    web_application_id = serializers.CharField(help_text="Bootpay's Web application id (public).")
    android_application_id = serializers.CharField(help_text="Bootpay's Android application id (public).")
    ios_application_id = serializers.CharField(help_text="Bootpay's iOS application id (public).")
    widget_key = serializers.CharField(help_text="BootpayWidget's widget key (public).")
    mode = serializers.ChoiceField(
        choices=["production", "development", "sandbox"],
        help_text="sandbox: our local emulator (the checkout shows a TEST PAYMENT panel).",
    )
    separately_confirmed = serializers.BooleanField(
        help_text="Render the widget with extra.separately_confirmed: the server approves each payment."
    )
    refund_banks = RefundBankSerializer(
        many=True,
        help_text=(
            "The banks a deposited virtual account can be refunded to (a cancel's refund.bank_code is one of "
            "these codes), in the order to offer them."
        ),
    )
    refund_account_rule = RefundAccountRuleSerializer(
        help_text=(
            "A refund account number is its digits only (hyphens and spaces are dropped), min_digits to "
            "max_digits of them; the holder's name 1 to holder_max_length characters."
        )
    )

    class Meta:
        ref_name = "CheckoutConfig"
