"""Output shapes for payments. Amounts are integer won; the raw PG receipt is never exposed."""

from rest_framework import serializers

from payments.models import Cancellation, Payment, PaymentEvent


class CancellationOutputSerializer(serializers.ModelSerializer):
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


class PaymentEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text="Username, or the system source (webhook, reconcile)."
    )

    class Meta:
        model = PaymentEvent
        ref_name = "PaymentEvent"
        fields = ["kind", "from_status", "to_status", "actor", "data", "created_at"]

    def get_actor(self, event: PaymentEvent) -> str:
        return event.actor.get_username() if event.actor_id and event.actor else event.actor_label


class PaymentSummarySerializer(serializers.ModelSerializer):
    payment_id = serializers.CharField(source="public_id", read_only=True)
    order_id = serializers.CharField(source="order.order_id", read_only=True)
    cancellable_amount = serializers.SerializerMethodField()

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
            "purchased_at",
            "created_at",
            "updated_at",
        ]

    def get_cancellable_amount(self, payment: Payment) -> int:
        return payment.cancellable_amount() if payment.status in ("paid", "partially_cancelled") else 0


class PaymentOutputSerializer(PaymentSummarySerializer):
    cancellations = CancellationOutputSerializer(many=True, read_only=True)
    events = PaymentEventOutputSerializer(many=True, read_only=True)

    class Meta(PaymentSummarySerializer.Meta):
        ref_name = "Payment"
        fields = [*PaymentSummarySerializer.Meta.fields, "cancellations", "events"]


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
