"""The outbox: one row per money fact, written in the transaction that made it (never from a view)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class EventType(models.TextChoices):
    """Stable, dot-separated names (DESIGN.md); partners subscribe to them. Never rename one."""

    ORDER_PAID = "order.paid"
    PAYMENT_VIRTUAL_ACCOUNT_ISSUED = "payment.virtual_account_issued"
    PAYMENT_DEPOSIT_RECEIVED = "payment.deposit_received"
    PAYMENT_FAILED = "payment.failed"
    REFUND_REQUESTED = "refund.requested"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    SUBSCRIPTION_STARTED = "subscription.started"
    SUBSCRIPTION_CHARGED = "subscription.charged"
    SUBSCRIPTION_DECLINED = "subscription.declined"
    SUBSCRIPTION_PAST_DUE = "subscription.past_due"
    SUBSCRIPTION_CANCELLED = "subscription.cancelled"
    SUBSCRIPTION_UPCOMING_CHARGE = "subscription.upcoming_charge"
    SUBSCRIPTION_PRICE_CHANGE_PENDING = "subscription.price_change_pending"
    ESCROW_REGISTERED = "escrow.registered"
    CASH_RECEIPT_ISSUED = "cash_receipt.issued"
    CASH_RECEIPT_CANCELLED = "cash_receipt.cancelled"
    PG_OUTCOME_OPEN = "pg_outcome.open"


class Event(models.Model):
    """A domain event. Append-only; `dispatched_at` is the only field ever set after the insert.

    The pk is the outbox's sequence (and the catch-up list's cursor). Events of one aggregate (an order,
    a subscription) are written under that aggregate's row lock, so their pks follow their commits:
    ordering by pk within an aggregate is the order things happened to it.
    """

    event_id = models.CharField(
        _("event id"), max_length=40, unique=True, default=new_event_id, editable=False
    )
    type = models.CharField(_("type"), max_length=48, choices=EventType.choices)
    # "order:<order_id>" or "subscription:<subscription_id>": deliveries keep order within one.
    aggregate = models.CharField(_("aggregate"), max_length=80)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("order"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("buyer"),
    )
    # Who else may read it: the sellers with lines in `order` (the orders API's read rule), and for a
    # subscription's events the subscribed product's seller.
    seller = models.ForeignKey(
        "orders.Seller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seller"),
    )
    data = models.JSONField(_("data"), default=dict)
    # What makes it happen once: e.g. "refund.succeeded:cx_…". Recording the same fact again is a no-op.
    dedup_key = models.CharField(_("deduplication key"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    # The catch-up list's order: numbered at dispatch, by one dispatcher at a time, so a number is never
    # given after a higher one is visible (a pk is taken at insert, and inserts commit out of pk order).
    sequence = models.BigIntegerField(_("sequence"), default=0, editable=False)  # 0: not dispatched yet
    # The sellers who may read it (list, webhooks, notices), decided when it is recorded: the sellers of
    # the lines it is about (an order's, a refund's, a parcel's), the subscribed product's seller, or none.
    sellers = models.ManyToManyField(
        "orders.Seller", through="EventSeller", related_name="+", blank=True, verbose_name=_("sellers")
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence"], condition=models.Q(sequence__gt=0), name="event_sequence_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["id"],
                name="event_undispatched_idx",
                condition=models.Q(dispatched_at__isnull=True),
            ),
            models.Index(fields=["aggregate", "id"], name="event_aggregate_idx"),
            models.Index(fields=["type", "id"], name="event_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.aggregate}"


class EventSeller(models.Model):
    """One seller who may read one event (`Event.sellers`)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="audience", verbose_name=_("event")
    )
    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )

    class Meta:
        verbose_name = _("event reader")
        verbose_name_plural = _("event readers")
        constraints = [models.UniqueConstraint(fields=["event", "seller"], name="event_seller_unique")]
        indexes = [models.Index(fields=["seller", "event"], name="event_seller_idx")]

    def __str__(self) -> str:
        return f"{self.seller_id} reads {self.event_id}"
