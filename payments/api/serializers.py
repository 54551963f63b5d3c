"""Output shapes for payments and automatic payments. Amounts are integer won; the raw PG receipt and
the billing key are never exposed."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import ModelOutputSerializer
from payments.models import (
    BillingKey,
    BillingKeyRequest,
    Cancellation,
    Payment,
    PaymentEvent,
    Subscription,
    SubscriptionCharge,
)
from payments.selectors import subscription_charge_rows


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
            "purchased_at",
            "created_at",
            "updated_at",
        ]


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

    class Meta:
        ref_name = "CheckoutConfig"


# --- Automatic payments -------------------------------------------------------------------------------
# None of these carries a billing key, its ciphertext or its fingerprint: only our public ids and the card
# as Bootpay masked it.


class BillingKeyRequestOutputSerializer(ModelOutputSerializer):
    """What the browser passes to Bootpay's requestSubscription to register a card."""

    order_name = serializers.CharField(
        read_only=True, help_text="What Bootpay's window shows while the card is registered (no charge)."
    )

    class Meta:
        model = BillingKeyRequest
        ref_name = "BillingKeyRequest"
        fields = ["subscription_id", "order_name"]
        read_only_fields = fields
        extra_kwargs = {
            "subscription_id": {"help_text": "Pass to requestSubscription as subscription_id (bkr_…)."}
        }


class BillingKeyOutputSerializer(ModelOutputSerializer):
    """A registered card, as Bootpay masked it. The billing key itself is never part of any answer."""

    class Meta:
        model = BillingKey
        ref_name = "BillingKey"
        fields = [
            "billing_key_id",
            "card_company",
            "card_number_masked",
            "status",
            "expires_at",
            "created_at",
            "removed_at",
        ]
        read_only_fields = fields


class SubscriptionChargeOutputSerializer(serializers.Serializer):
    """One period of a subscription: an ordinary order, paid by an ordinary payment."""

    order_id = serializers.CharField(help_text="The period's order: an ordinary order (ord_…).")
    payment_id = serializers.CharField(
        allow_null=True, help_text="The payment holding the period's money; null until it is paid."
    )
    period = serializers.IntegerField(min_value=1, help_text="1 for the first period, then 2, 3, …")
    status = serializers.ChoiceField(choices=SubscriptionCharge.State.choices)

    class Meta:
        ref_name = "SubscriptionCharge"


class SubscriptionOutputSerializer(ModelOutputSerializer):
    """A product charged every interval to one of the buyer's cards."""

    # Needs a subscription from payments.selectors.subscription_list_visible (its charges prefetched).
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    billing_key_id = serializers.CharField(
        source="billing_key.billing_key_id", read_only=True, help_text="The card it is charged to (bk_…)."
    )
    card_number_masked = serializers.CharField(source="billing_key.card_number_masked", read_only=True)
    charges = serializers.SerializerMethodField(help_text="Its periods so far, oldest first.")

    class Meta:
        model = Subscription
        ref_name = "Subscription"
        fields = [
            "subscription_id",
            "status",
            "product_id",
            "product_name",
            "interval",
            "price",
            "tax_free",
            "billing_key_id",
            "card_number_masked",
            "current_period",
            "current_period_start",
            "current_period_end",
            "next_charge_at",
            "created_at",
            "cancelled_at",
            "charges",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "price": {"help_text": "Won charged every period (the product's price when it began)."},
            "tax_free": {"help_text": "The tax-free part of price."},
            "next_charge_at": {
                "help_text": "When the next charge (or its retry) is due; null once cancelled."
            },
        }

    @extend_schema_field(SubscriptionChargeOutputSerializer(many=True))
    def get_charges(self, subscription: Subscription) -> list:
        return SubscriptionChargeOutputSerializer(subscription_charge_rows(subscription), many=True).data
