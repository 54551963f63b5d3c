"""Payment records. Money state changes only in `payments.services`, under row locks.

Invariants kept by the database where it can: one receipt pays one
payment, an order has at most one live payment, cancelled ≤ paid, amounts never negative, one
cancellation per idempotency key. Webhook deliveries are all kept: their bodies are untrusted, so
none may stand in for another (see `payments.webhooks`).
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.models import Order, OrderItem, Seller, SubscriptionInterval


def new_public_payment_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


@dataclass(frozen=True)
class VirtualAccount:
    """The account a buyer pays a virtual-account (vbank) payment into, as Bootpay issued it."""

    bank_code: str
    bank_name: str
    account_number: str
    holder: str
    due_at: datetime | None  # deposit deadline


def _deposit_deadline(value: object) -> datetime | None:
    """Bootpay's `expired_at` in Korean time; None when absent or not a plausible deadline."""
    try:
        due_at = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but out of range, e.g. month 13
        return None
    # Years at the edge of datetime's range cannot be shown in Korean time (nor are they deadlines).
    if due_at is None or not 2000 <= due_at.year <= 2999:
        return None
    if timezone.is_naive(due_at):
        return timezone.make_aware(due_at)  # Bootpay's times are Korean time, as is TIME_ZONE
    return timezone.localtime(due_at)


# Statuses in which a payment holds (or is about to hold) the order's money: at most one per order.
LIVE_PAYMENT_STATUSES = ("awaiting_confirm", "awaiting_deposit", "paid", "partially_cancelled", "cancelled")
# Statuses of a payment that took the order's money: a sale on the statements (payments.statements).
SOLD_PAYMENT_STATUSES = ("paid", "partially_cancelled", "cancelled")


class Payment(models.Model):
    class Status(models.TextChoices):
        READY = "ready"
        AWAITING_CONFIRM = "awaiting_confirm"  # Bootpay status 2: authenticated, separate approval pending
        AWAITING_DEPOSIT = "awaiting_deposit"  # Bootpay status 5: virtual account issued
        PAID = "paid"  # Bootpay status 1
        PARTIALLY_CANCELLED = "partially_cancelled"
        CANCELLED = "cancelled"  # Bootpay status 20, nothing left
        FAILED = "failed"  # verification rejected, or the PG reported failure

    LIVE_STATUSES = LIVE_PAYMENT_STATUSES
    SOLD_STATUSES = SOLD_PAYMENT_STATUSES

    public_id = models.CharField(max_length=40, unique=True, default=new_public_payment_id, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    receipt_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.READY)
    amount = models.PositiveBigIntegerField(help_text="Amount approved by the PG, in won.")
    tax_free_amount = models.PositiveBigIntegerField(default=0)
    cancelled_amount = models.PositiveBigIntegerField(default=0)
    cancelled_tax_free_amount = models.PositiveBigIntegerField(default=0)
    method = models.CharField(max_length=40, blank=True, help_text="Bootpay method_symbol, e.g. card, vbank.")
    method_name = models.CharField(max_length=60, blank=True, help_text="Localized method name.")
    pg = models.CharField(max_length=60, blank=True)
    sandbox = models.BooleanField(default=False)
    escrow = models.BooleanField(
        default=False, help_text="Paid by escrow (에스크로): its shipment is registered with Bootpay."
    )
    raw_receipt = models.JSONField(default=dict, blank=True, help_text="Last receipt the PG returned.")
    purchased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Staff's keyset pages of every payment, newest first (a buyer's go through its orders' order_id).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="payment_recent_idx"),
            # Statements: the sales of a period (payments.statements).
            models.Index(fields=["purchased_at"], name="payment_purchased_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_amount__lte=F("amount")), name="payment_cancelled_lte_amount"
            ),
            models.CheckConstraint(
                condition=Q(tax_free_amount__lte=F("amount")), name="payment_tax_free_lte_amount"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_tax_free_amount__lte=F("tax_free_amount")),
                name="payment_cancelled_tax_free_lte_tax_free",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=LIVE_PAYMENT_STATUSES),
                name="payment_one_live_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id} ({self.status})"

    def cancellable_amount(self) -> int:
        """Money taken and not yet given back; 0 unless the payment holds money (paid, partly cancelled).

        What REST and GraphQL show; the cancel service's own balance also subtracts cancels in flight.
        """
        if self.status not in (self.Status.PAID, self.Status.PARTIALLY_CANCELLED):
            return 0
        return self.amount - self.cancelled_amount

    @property
    def virtual_account(self) -> VirtualAccount | None:
        """The issued virtual account, read from the stored receipt's `vbank_data`; None for other methods."""
        data = self.raw_receipt.get("vbank_data") if isinstance(self.raw_receipt, dict) else None
        if not isinstance(data, dict):
            return None
        # The account number is what the buyer needs; a PG may leave the other fields empty.
        fields = {
            key: value if isinstance(value := data.get(key), str) else ""
            for key in ("bank_code", "bank_name", "bank_account", "bank_username")
        }
        if not fields["bank_account"]:
            return None
        return VirtualAccount(
            bank_code=fields["bank_code"],
            bank_name=fields["bank_name"],
            account_number=fields["bank_account"],
            holder=fields["bank_username"],
            due_at=_deposit_deadline(data.get("expired_at")),
        )


class PaymentEvent(models.Model):
    """Append-only history of a payment: never updated, never deleted."""

    class Kind(models.TextChoices):
        VERIFIED = "verified"
        VERIFY_REJECTED = "verify_rejected"
        CONFIRMED = "confirmed"
        SYNCED = "synced"
        CANCEL_REQUESTED = "cancel_requested"
        CANCEL_SUCCEEDED = "cancel_succeeded"
        CANCEL_FAILED = "cancel_failed"
        CANCELLED_AT_PG = "cancelled_at_pg"  # a cancel we did not request (e.g. made in Bootpay's admin)
        ESCROW_REQUESTED = "escrow_requested"  # an escrow payment's shipment, before Bootpay hears of it
        ESCROW_REGISTERED = "escrow_registered"
        ESCROW_FAILED = "escrow_failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=40, blank=True, help_text="'system', 'webhook', … when no user."
    )
    pg_response = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["payment", "created_at"], name="payment_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Payment events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Payment events are append-only.")


def new_cancel_id() -> str:
    return f"cx_{uuid.uuid4().hex}"


class Cancellation(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested"  # saved before the PG call; outcome unknown until settled
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="cancellations")
    # Generated and committed before the SDK call so a retry or reconciliation reuses the same id.
    cancel_id = models.CharField(max_length=64, unique=True, default=new_cancel_id, editable=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    # Digest of what the caller asked for: the same key with a different request is refused.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    amount = models.PositiveBigIntegerField()
    tax_free_amount = models.PositiveBigIntegerField(default=0)
    reason = models.CharField(max_length=200)
    items = models.ManyToManyField(OrderItem, blank=True, related_name="cancellations")
    # Kept so a retried virtual-account refund can be sent again with the same target account.
    refund_account = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pg_response = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    # Set while a request is talking to the PG about it, so a concurrent retry answers
    # cancel_in_progress instead of sending the same cancel_id twice at once.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # Statements: the refunds of a period (payments.statements).
        indexes = [models.Index(fields=["state", "completed_at"], name="cancellation_booked_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="cancellation_amount_positive"),
            models.CheckConstraint(
                condition=Q(tax_free_amount__lte=F("amount")), name="cancellation_tax_free_lte_amount"
            ),
            models.UniqueConstraint(
                fields=["payment", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="cancellation_one_per_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cancel_id} {self.amount}₩ ({self.state})"


class EscrowRegistration(models.Model):
    """The shipment of an escrow payment, registered with Bootpay once (its first shipped line).

    Like a `Cancellation`: saved (`requested`) before Bootpay hears of it, claimed through
    `attempt_started_at` (a lease) by whoever talks to Bootpay about it, settled once. An unknown
    outcome (timeout, 5xx, no answer) stays `requested` for `payment_reconcile` to send again.
    """

    class State(models.TextChoices):
        REQUESTED = "requested"  # saved before the PG call; outcome unknown until settled
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # Bootpay refused it (error_code)

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="escrow_registration")
    item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="escrow_registrations")
    courier = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=40)
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    attempt_started_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while someone is sending it to Bootpay (a lease)."
    )
    error_code = models.CharField(max_length=60, blank=True)
    pg_response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="escrow_registration_state_idx")]

    def __str__(self) -> str:
        return f"{self.courier} {self.tracking_number} ({self.state})"


class CancellationShare(models.Model):
    """The part of a cancellation charged to one seller (its statement's refund), written with the
    cancellation under the same locks: a line refund to the lines' sellers, an amount refund or a
    cancel made at Bootpay pro rata over what each seller had left (`payments.services.settle`).
    A payment that never sold (failed, never paid) has none. Σ shares == the cancellation's amount,
    and its tax-free part likewise."""

    cancellation = models.ForeignKey(Cancellation, on_delete=models.PROTECT, related_name="shares")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="cancellation_shares")
    amount = models.PositiveBigIntegerField()
    tax_free_amount = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["cancellation", "seller"]
        constraints = [
            models.UniqueConstraint(
                fields=["cancellation", "seller"], name="cancellation_share_one_per_seller"
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="cancellation_share_amount_positive"),
            models.CheckConstraint(
                condition=Q(tax_free_amount__lte=F("amount")), name="cancellation_share_tax_free_lte_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cancellation_id}/{self.seller_id} {self.amount}₩"


class WebhookDelivery(models.Model):
    """A Bootpay notification exactly as received; processed after the response, never trusted as is."""

    class State(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        FAILED = "failed"  # processing failed; retried by its task, the sweep or `process_webhooks --failed`
        UNMATCHED = "unmatched"  # no payment knows the receipt; kept for inspection
        PROCESSING = "processing"  # claimed by a worker; stale ones are picked up again
        INVALID = "invalid"  # body unusable (no receipt_id)

    raw_body = models.TextField()
    headers = models.JSONField(default=dict)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    # What the body claims (receipt:type:status:cancelled_price), for inspection only: not unique,
    # because an unverified body must never be able to stand in for a later, real delivery.
    dedupe_key = models.CharField(max_length=200, db_index=True)
    receipt_id = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker last took it.")
    # The processing round holding it: a worker only finishes rows its own round claimed, so a worker
    # whose claim went stale (and was taken over) cannot overwrite the newer outcome.
    claim_token = models.CharField(max_length=32, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The X-Request-ID of the request that received it: its processing (a task, a sweep) logs that id too.
    request_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["state", "received_at"], name="webhook_state_idx")]

    def __str__(self) -> str:
        return f"{self.dedupe_key} ({self.state})"


# --- Automatic payments (billing keys and subscriptions; payments.billing, docs/billing.md) ---


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
        max_length=40, unique=True, default=new_billing_key_request_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_key_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True, help_text="When its key was registered.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subscription_id

    @property
    def order_name(self) -> str:
        return self.ORDER_NAME


class BillingKey(models.Model):
    """A card registered for automatic payments. The key itself is stored only encrypted
    (`payments.billing.crypto`); `key` decrypts it for the one gateway call that needs it. Nothing
    here shows it: not `str`, not `repr`, not the admin, no serializer."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        REMOVED = "removed"  # destroyed at Bootpay (by the buyer, or when its last subscription ended)
        EXPIRED = "expired"  # Bootpay answered SUBSCRIBE_BK_EXPIRED: the key no longer charges

    billing_key_id = models.CharField(max_length=40, unique=True, default=new_billing_key_id, editable=False)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_keys")
    key_encrypted = models.TextField(editable=False, help_text="Fernet token of the billing key.")
    key_fingerprint = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the key: one registration per key."
    )
    receipt_id = models.CharField(max_length=64, unique=True, help_text="The billing-key issuance receipt.")
    card_company = models.CharField(max_length=60, blank=True)
    card_number_masked = models.CharField(max_length=40, blank=True, help_text="As Bootpay masked it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Bootpay's billing_expire_at.")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        from payments.billing.crypto import billing_key_decrypt

        return billing_key_decrypt(self.key_encrypted)


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
        max_length=40, unique=True, default=new_subscription_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="subscriptions")
    billing_key = models.ForeignKey(BillingKey, on_delete=models.PROTECT, related_name="subscriptions")
    interval = models.CharField(max_length=8, choices=SubscriptionInterval.choices)
    price = models.PositiveBigIntegerField(
        help_text="Charged every period: the product's price at subscribe."
    )
    tax_free = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.CHARGE)
    current_period = models.PositiveIntegerField(default=0, help_text="The last period paid (1-based).")
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    next_charge_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next charge (or its retry) is due; none while cancelled."
    )
    retry_count = models.PositiveIntegerField(default=0, help_text="Declined retries of the period due.")
    reserve_id = models.CharField(max_length=64, blank=True, help_text="Bootpay's pending reservation.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="charges")
    period = models.PositiveIntegerField()
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="subscription_charge")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Charges (or reservations) sent.")
    last_error_code = models.CharField(max_length=60, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True, help_text="The sender's lease.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was last sent to Bootpay.")
    first_declined_at = models.DateTimeField(null=True, blank=True, help_text="Retries count from here.")
    receipt_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=40, blank=True, help_text="'system', 'webhook', … when no user."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
