"""Output shapes of automatic payments. Amounts are integer won; the billing key is never exposed."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import ModelOutputSerializer
from payments.billing.models import (
    BillingKey,
    BillingKeyRequest,
    Subscription,
    SubscriptionCharge,
    SubscriptionPriceChange,
)
from payments.billing.selectors import subscription_charge_rows, subscription_pending_price_change

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


class PendingPriceChangeOutputSerializer(serializers.Serializer):
    """A seller's price increase waiting for (or consented to by) the buyer (docs/billing.md)."""

    price_change_id = serializers.CharField(help_text="pc_…")
    price = serializers.IntegerField(help_text="What the subscription is charged now (won).")
    new_price = serializers.IntegerField(help_text="What it would be charged from effective_at (won).")
    effective_at = serializers.DateTimeField(help_text="Periods beginning at or after this cost new_price.")
    consent_opens_at = serializers.DateTimeField(help_text="Consent counts from here (30 days before).")
    consent_deadline = serializers.DateTimeField(help_text="The last moment to consent.")
    on_no_consent = serializers.ChoiceField(
        choices=SubscriptionPriceChange.OnNoConsent.choices,
        help_text="Without consent: keep_price (the old price stays) or cancel_at_period_end (no charge "
        "after the paid period).",
    )
    consented_at = serializers.DateTimeField(allow_null=True, help_text="Null until the buyer consents.")

    class Meta:
        ref_name = "PendingPriceChange"


class SubscriptionPriceChangeOutputSerializer(ModelOutputSerializer):
    """A scheduled price increase of a product's existing subscriptions."""

    product_id = serializers.IntegerField(read_only=True)
    subscriptions_asked = serializers.SerializerMethodField(help_text="Subscriptions asked to consent.")

    class Meta:
        model = SubscriptionPriceChange
        ref_name = "SubscriptionPriceChange"
        fields = [
            "price_change_id",
            "product_id",
            "new_price",
            "new_tax_free",
            "effective_at",
            "consent_opens_at",
            "consent_deadline",
            "on_no_consent",
            "created_at",
            "subscriptions_asked",
        ]
        read_only_fields = fields

    def get_subscriptions_asked(self, change: SubscriptionPriceChange) -> int:
        return change.consents.count()


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
    pending_price_change = serializers.SerializerMethodField(
        help_text="A price increase waiting for the buyer's consent (or consented, not applied yet); null."
    )

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
            "trial_ends_at",
            "created_at",
            "cancelled_at",
            "charges",
            "pending_price_change",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "price": {"help_text": "Won charged every period (the product's price when it began)."},
            "tax_free": {"help_text": "The tax-free part of price."},
            "next_charge_at": {
                "help_text": "When the next charge (or its retry) is due; null once cancelled."
            },
            "trial_ends_at": {
                "help_text": "Free until then (null: no trial); the first charge is announced 7 days ahead."
            },
        }

    @extend_schema_field(SubscriptionChargeOutputSerializer(many=True))
    def get_charges(self, subscription: Subscription) -> list:
        return SubscriptionChargeOutputSerializer(subscription_charge_rows(subscription), many=True).data

    @extend_schema_field(PendingPriceChangeOutputSerializer(allow_null=True))
    def get_pending_price_change(self, subscription: Subscription) -> dict | None:
        pending = subscription_pending_price_change(subscription)
        return PendingPriceChangeOutputSerializer(pending).data if pending else None
