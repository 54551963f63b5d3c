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
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderItem, Seller


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

    public_id = models.CharField(
        _("payment id"), max_length=40, unique=True, default=new_public_payment_id, editable=False
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    # The order's buyer, copied when the payment is created (`save`; an order's buyer never changes), so a
    # buyer's payment list is one range of its own index, never every payment of its whole history.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,  # filled by migration 0013 for payments made before it
        editable=False,
        db_index=False,  # payment_buyer_recent_idx leads with it
        # No constraint of its own: the order's buyer is checked by the order's; adding one would scan
        # (and block writes to) the whole table at deploy.
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("buyer"),
    )
    receipt_id = models.CharField(_("receipt id"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.READY)
    amount = models.PositiveBigIntegerField(_("amount"), help_text="Amount approved by the PG, in won.")
    tax_free_amount = models.PositiveBigIntegerField(_("tax-free amount"), default=0)
    cancelled_amount = models.PositiveBigIntegerField(_("cancelled amount"), default=0)
    cancelled_tax_free_amount = models.PositiveBigIntegerField(_("cancelled tax-free amount"), default=0)
    method = models.CharField(
        _("payment method"), max_length=40, blank=True, help_text="Bootpay method_symbol, e.g. card, vbank."
    )
    method_name = models.CharField(
        _("payment method name"), max_length=60, blank=True, help_text="Localized method name."
    )
    pg = models.CharField(_("PG"), max_length=60, blank=True)
    sandbox = models.BooleanField(_("sandbox"), default=False)
    escrow = models.BooleanField(
        _("escrow"),
        default=False,
        help_text="Paid by escrow (에스크로): its shipment is registered with Bootpay.",
    )
    raw_receipt = models.JSONField(
        _("raw receipt"), default=dict, blank=True, help_text="Last receipt the PG returned."
    )
    purchased_at = models.DateTimeField(_("purchased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        # The keyset pages, newest first: staff's of every payment, a buyer's of its own.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="payment_recent_idx"),
            models.Index(fields=["buyer", "-created_at", "-id"], name="payment_buyer_recent_idx"),
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

    def save(self, *args, **kwargs):
        if self.buyer_id is None and self.order_id is not None:
            self.buyer_id = self.order.buyer_id  # the order given (payment_verify passes the buyer too)
        super().save(*args, **kwargs)

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

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="events", verbose_name=_("payment")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    from_status = models.CharField(_("from status"), max_length=24, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, blank=True)
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
    pg_response = models.JSONField(_("PG response"), default=dict, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
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

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="cancellations", verbose_name=_("payment")
    )
    # Generated and committed before the SDK call so a retry or reconciliation reuses the same id.
    cancel_id = models.CharField(
        _("cancel id"), max_length=64, unique=True, default=new_cancel_id, editable=False
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True)
    # Digest of what the caller asked for: the same key with a different request is refused.
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    amount = models.PositiveBigIntegerField(_("amount"))
    tax_free_amount = models.PositiveBigIntegerField(_("tax-free amount"), default=0)
    reason = models.CharField(_("reason"), max_length=200)
    items = models.ManyToManyField(
        OrderItem, blank=True, related_name="cancellations", verbose_name=_("order items")
    )
    # Kept so a retried virtual-account refund can be sent again with the same target account.
    refund_account = models.JSONField(_("refund account"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    pg_response = models.JSONField(_("PG response"), default=dict, blank=True)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    # Set while a request is talking to the PG about it, so a concurrent retry answers
    # cancel_in_progress instead of sending the same cancel_id twice at once.
    attempt_started_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
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

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="escrow_registration", verbose_name=_("payment")
    )
    item = models.ForeignKey(
        OrderItem, on_delete=models.PROTECT, related_name="escrow_registrations", verbose_name=_("order item")
    )
    courier = models.CharField(_("courier"), max_length=40)
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REQUESTED)
    attempt_started_at = models.DateTimeField(
        _("attempt started at"),
        null=True,
        blank=True,
        help_text="Set while someone is sending it to Bootpay (a lease).",
    )
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    pg_response = models.JSONField(_("PG response"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escrow registration")
        verbose_name_plural = _("escrow registrations")
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

    cancellation = models.ForeignKey(
        Cancellation, on_delete=models.PROTECT, related_name="shares", verbose_name=_("cancellation")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="cancellation_shares", verbose_name=_("seller")
    )
    amount = models.PositiveBigIntegerField(_("amount"))
    tax_free_amount = models.PositiveBigIntegerField(_("tax-free amount"), default=0)

    class Meta:
        verbose_name = _("cancellation share")
        verbose_name_plural = _("cancellation shares")
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

    raw_body = models.TextField(_("raw body"))
    headers = models.JSONField(_("headers"), default=dict)
    remote_ip = models.GenericIPAddressField(_("remote IP"), null=True, blank=True)
    # What the body claims (receipt:type:status:cancelled_price), for inspection only: not unique,
    # because an unverified body must never be able to stand in for a later, real delivery.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, db_index=True)
    receipt_id = models.CharField(_("receipt id"), max_length=64, blank=True, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    claimed_at = models.DateTimeField(
        _("claimed at"), null=True, blank=True, help_text="When a worker last took it."
    )
    # The processing round holding it: a worker only finishes rows its own round claimed, so a worker
    # whose claim went stale (and was taken over) cannot overwrite the newer outcome.
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # When a dispatch enqueued its processing task (payments/webhooks/services.py `webhooks_dispatch`):
    # a later dispatch leaves it alone. Only a hint: a delivery still `received` long after is swept.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # The X-Request-ID of the request that received it: its processing (a task, a sweep) logs that id too.
    request_id = models.CharField(_("request id"), max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["state", "received_at"], name="webhook_state_idx")]

    def __str__(self) -> str:
        return f"{self.dedupe_key} ({self.state})"
