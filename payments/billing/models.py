"""Automatic payments' records: billing keys, subscriptions, their charges and history (docs/billing.md).

Declared in the core's `payments/models.py` until issue 20 moved them here (app label `billing`) with no
table rewrite: each keeps its `payments_…` table, index and constraint names (`Meta.db_table`; migrations
`billing/0001_initial` and `payments/0011_billing_models_moved`). Money state changes only in
`payments.billing.services`, under row locks.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.crypto import secret_decrypt
from orders.models import Order, SubscriptionInterval


def new_billing_key_request_id() -> str:
    return f"bkr_{secrets.token_hex(12)}"


def new_billing_key_id() -> str:
    return f"bk_{secrets.token_hex(12)}"


def new_subscription_id() -> str:
    return f"sub_{secrets.token_hex(12)}"


class BillingKeyRequest(models.Model):
    """A `subscription_id` handed to a buyer's browser for Bootpay's `requestSubscription`: whoever
    registers the resulting key must be the buyer it was issued to."""

    # What the browser shows in Bootpay's window while the card is registered (no money is taken).
    ORDER_NAME = "정기결제 카드 등록"

    subscription_id = models.CharField(
        _("subscription id"), max_length=40, unique=True, default=new_billing_key_request_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="billing_key_requests",
        verbose_name=_("buyer"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(
        _("used at"), null=True, blank=True, help_text="When its key was registered."
    )

    class Meta:
        verbose_name = _("billing key request")
        verbose_name_plural = _("billing key requests")
        db_table = "payments_billingkeyrequest"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subscription_id

    @property
    def order_name(self) -> str:
        return self.ORDER_NAME


class BillingKey(models.Model):
    """A card registered for automatic payments. The key itself is stored only encrypted
    (`config.crypto`); `key` decrypts it for the one gateway call that needs it. Nothing
    here shows it: not `str`, not `repr`, not the admin, no serializer."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        REMOVED = "removed"  # destroyed at Bootpay (by the buyer, or when its last subscription ended)
        EXPIRED = "expired"  # Bootpay answered SUBSCRIBE_BK_EXPIRED: the key no longer charges

    billing_key_id = models.CharField(
        _("billing key id"), max_length=40, unique=True, default=new_billing_key_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="billing_keys",
        verbose_name=_("buyer"),
    )
    key_encrypted = models.TextField(
        _("encrypted key"), editable=False, help_text="Fernet token of the billing key."
    )
    key_fingerprint = models.CharField(
        _("key fingerprint"),
        max_length=64,
        unique=True,
        editable=False,
        help_text="SHA-256 of the key: one registration per key.",
    )
    receipt_id = models.CharField(
        _("receipt id"), max_length=64, unique=True, help_text="The billing-key issuance receipt."
    )
    card_company = models.CharField(_("card company"), max_length=60, blank=True)
    card_number_masked = models.CharField(
        _("card number (masked)"), max_length=40, blank=True, help_text="As Bootpay masked it."
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text="Bootpay's billing_expire_at."
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing key")
        verbose_name_plural = _("billing keys")
        db_table = "payments_billingkey"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["buyer", "-created_at", "-id"], name="billing_key_buyer_idx")]

    def __str__(self) -> str:
        return f"{self.billing_key_id} {self.card_company} {self.card_number_masked} ({self.status})".replace(
            "  ", " "
        )

    def __repr__(self) -> str:
        return f"<BillingKey: {self}>"

    @property
    def key(self) -> str:
        """The plain billing key, decrypted; keep it in a local variable for one gateway call only."""
        return secret_decrypt(self.key_encrypted)


class Subscription(models.Model):
    """A buyer charged for a product every interval through a billing key; each period is an ordinary
    order paid by an ordinary payment (`SubscriptionCharge` links them)."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        PAST_DUE = "past_due"  # a charge declined (retried on the schedule) or its outcome is unknown
        CANCELLED = "cancelled"

    class Mode(models.TextChoices):
        CHARGE = "charge"  # we charge each period when it is due
        RESERVE = "reserve"  # Bootpay charges the next period by itself (a reservation)

    LIVE_STATUSES = (Status.ACTIVE, Status.PAST_DUE)

    subscription_id = models.CharField(
        _("subscription id"), max_length=40, unique=True, default=new_subscription_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("buyer"),
    )
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("product")
    )
    billing_key = models.ForeignKey(
        BillingKey, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("billing key")
    )
    interval = models.CharField(_("interval"), max_length=8, choices=SubscriptionInterval.choices)
    price = models.PositiveBigIntegerField(
        _("price"), help_text="Charged every period: the product's price at subscribe."
    )
    tax_free = models.PositiveBigIntegerField(_("tax-free amount"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    mode = models.CharField(_("charge mode"), max_length=8, choices=Mode.choices, default=Mode.CHARGE)
    current_period = models.PositiveIntegerField(
        _("current period"), default=0, help_text="The last period paid (1-based)."
    )
    current_period_start = models.DateTimeField(_("current period start"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    next_charge_at = models.DateTimeField(
        _("next charge at"),
        null=True,
        blank=True,
        help_text="When the next charge (or its retry) is due; none while cancelled.",
    )
    retry_count = models.PositiveIntegerField(
        _("retries"), default=0, help_text="Declined retries of the period due."
    )
    reserve_id = models.CharField(
        _("reservation id"), max_length=64, blank=True, help_text="Bootpay's pending reservation."
    )
    trial_ends_at = models.DateTimeField(
        _("trial ends at"),
        null=True,
        blank=True,
        help_text="Free until then: period 1 is its first paid period, charged no sooner (null: no trial).",
    )
    upcoming_notice_period = models.PositiveIntegerField(
        _("upcoming charge notice: period"),
        null=True,
        blank=True,
        help_text="The period whose paid-charge notice was recorded (one notice per period).",
    )
    upcoming_notice_at = models.DateTimeField(
        _("upcoming charge notice: sent at"),
        null=True,
        blank=True,
        help_text="That period is charged no sooner than BILLING_UPCOMING_NOTICE_DAYS after this.",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        db_table = "payments_subscription"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_charge_at"], name="subscription_due_idx"),
            models.Index(fields=["buyer", "-created_at", "-id"], name="subscription_buyer_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="subscription_price_positive"),
            models.CheckConstraint(
                condition=Q(tax_free__lte=F("price")), name="subscription_tax_free_lte_price"
            ),
            # One live subscription per buyer and product (subscribing again never charges twice).
            models.UniqueConstraint(
                fields=["buyer", "product"],
                condition=Q(status__in=("active", "past_due")),
                name="subscription_one_live_per_buyer_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} ({self.status})"


class SubscriptionCharge(models.Model):
    """One period's charge: its order, and where talking to Bootpay about it stands."""

    class State(models.TextChoices):
        PENDING = "pending"  # not sent yet (or reserved at Bootpay: the subscription's reserve_id)
        SENDING = "sending"  # a worker is at Bootpay with it until `sending_until`
        PAID = "paid"  # its order is paid
        DECLINED = "declined"  # refused; retried on the schedule
        UNKNOWN = "unknown"  # sent, no answer: never sent again by itself (docs/billing.md)
        CANCELLED = "cancelled"  # given up, its order closed unpaid

    # Sent to Bootpay and not answered yet: the money may be at Bootpay. Such a charge keeps its state
    # whatever happens to its order or subscription, until a receipt (or staff) settles it.
    OPEN_STATES = (State.SENDING, State.UNKNOWN)

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="charges", verbose_name=_("subscription")
    )
    period = models.PositiveIntegerField(_("period"))
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="subscription_charge", verbose_name=_("order")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text="Charges (or reservations) sent."
    )
    last_error_code = models.CharField(_("last error code"), max_length=60, blank=True)
    sending_until = models.DateTimeField(
        _("sending until"), null=True, blank=True, help_text="The sender's lease."
    )
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text="When it was last sent to Bootpay."
    )
    first_declined_at = models.DateTimeField(
        _("first declined at"), null=True, blank=True, help_text="Retries count from here."
    )
    receipt_id = models.CharField(_("receipt id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription charge")
        verbose_name_plural = _("subscription charges")
        db_table = "payments_subscriptioncharge"
        ordering = ["period", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period"], name="subscription_charge_one_per_period"
            )
        ]
        indexes = [
            # The open outcomes staff, the lease sweep and the statement reconciliation look for: few rows.
            models.Index(
                fields=["sent_at"],
                condition=Q(state__in=("sending", "unknown")),
                name="subscription_charge_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} #{self.period} ({self.state})"


class SubscriptionEvent(models.Model):
    """Append-only history of a subscription: never updated, never deleted."""

    class Kind(models.TextChoices):
        CREATED = "created"
        CHARGED = "charged"
        DECLINED = "declined"
        RETRY_SCHEDULED = "retry_scheduled"
        PAST_DUE = "past_due"
        CANCELLED = "cancelled"
        RESERVED = "reserved"
        RESERVE_REFUSED = "reserve_refused"
        RESERVATION_CANCELLED = "reservation_cancelled"
        KEY_DESTROYED = "key_destroyed"
        OUTCOME_UNKNOWN = "outcome_unknown"
        CHARGE_REFUNDED = "charge_refunded"  # Bootpay charged, the money core refused and refunded it
        LATE_ANSWER = "late_answer"  # an answer to an earlier attempt, after a newer one was sent
        STAFF_ACTION = "staff_action"
        # The legal notices (docs/billing.md, "Notices the law requires").
        UPCOMING_CHARGE = "upcoming_charge"  # a paid charge after a free period is coming
        PRICE_CHANGE_PENDING = "price_change_pending"  # a price increase awaits the buyer's consent
        PRICE_CHANGE_CONSENTED = "price_change_consented"
        PRICE_CHANGE_APPLIED = "price_change_applied"  # consented: charged the new price from now on
        PRICE_CHANGE_DECLINED = "price_change_declined"  # no consent: kept the old price, or cancelled

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="events", verbose_name=_("subscription")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        _("actor label"), max_length=40, blank=True, help_text="'system', 'webhook', … when no user."
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")
        db_table = "payments_subscriptionevent"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["subscription", "created_at"], name="subscription_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.subscription_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Subscription events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Subscription events are append-only.")


def new_price_change_id() -> str:
    return f"pc_{secrets.token_hex(12)}"


class SubscriptionPriceChange(models.Model):
    """A seller's (or staff's) price increase for a product's existing subscribers: it applies only to
    those who consent in time (전자상거래법 §13⑥); the others keep their price or are cancelled at the
    end of their period, as `on_no_consent` says. Never edited once created (a new one replaces it)."""

    class OnNoConsent(models.TextChoices):
        KEEP_PRICE = "keep_price"
        CANCEL_AT_PERIOD_END = "cancel_at_period_end"

    price_change_id = models.CharField(
        _("price change id"), max_length=40, unique=True, default=new_price_change_id, editable=False
    )
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, related_name="price_changes", verbose_name=_("product")
    )
    new_price = models.PositiveBigIntegerField(_("new price"))
    new_tax_free = models.PositiveBigIntegerField(_("new tax-free amount"), default=0)
    effective_at = models.DateTimeField(
        _("effective at"), help_text="Periods beginning at or after this are charged the new price."
    )
    consent_opens_at = models.DateTimeField(
        _("consent opens at"), help_text="Consent counts from here (30 days before effective_at)."
    )
    consent_deadline = models.DateTimeField(_("consent deadline"))
    on_no_consent = models.CharField(_("without consent"), max_length=24, choices=OnNoConsent.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription price change")
        verbose_name_plural = _("subscription price changes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(new_price__gte=1), name="price_change_price_positive"),
            models.CheckConstraint(
                condition=Q(new_tax_free__lte=F("new_price")), name="price_change_tax_free_lte_price"
            ),
            models.CheckConstraint(
                condition=Q(consent_deadline__lte=F("effective_at")), name="price_change_deadline_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.price_change_id} → {self.new_price}"


class SubscriptionPriceConsent(models.Model):
    """One subscription's side of a price change: what it paid, whether its buyer consented, and what
    became of it. Changes only under the subscription's lock (`services/price_changes.py`)."""

    class State(models.TextChoices):
        PENDING = "pending"  # waiting for the buyer
        CONSENTED = "consented"  # the buyer agreed; the new price applies from the first period due
        APPLIED = "applied"  # charged the new price from then on
        KEPT = "kept"  # no consent: the old price stays (on_no_consent keep_price)
        CANCELLED = "cancelled"  # no consent: the subscription ended with its paid period

    OPEN_STATES = (State.PENDING, State.CONSENTED)

    price_change = models.ForeignKey(
        SubscriptionPriceChange,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("price change"),
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="price_consents", verbose_name=_("subscription")
    )
    price = models.PositiveBigIntegerField(_("price before"), help_text="The subscription's price then.")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription price consent")
        verbose_name_plural = _("subscription price consents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_change", "subscription"], name="price_consent_one_per_subscription"
            ),
            # At most one open price change per subscription: the one its buyer is asked about.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(state__in=("pending", "consented")),
                name="price_consent_one_open_per_subscription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.price_change_id} ({self.state})"
