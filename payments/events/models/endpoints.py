"""Partner webhook endpoints and their deliveries (docs/events.md "Partner webhooks").

States of a delivery (one per event × endpoint), moved only by services/webhook_delivery.py:

    pending ──2xx──▶ succeeded
    pending ──failure, attempts left──▶ pending (next_attempt_at later, per EVENTS_WEBHOOK_RETRY_SCHEDULE_S)
    pending ──failure, schedule exhausted──▶ failed (dead: later deliveries of its aggregate go on)
    succeeded / failed ──replay──▶ pending (one more attempt, same webhook-id)

Lock order: endpoint, then delivery. A sender holds a delivery through a lease (`attempt_started_at`),
not a row lock, while the HTTP call runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.crypto import secret_decrypt


def new_endpoint_id() -> str:
    return f"we_{uuid.uuid4().hex}"


def new_delivery_id() -> str:
    return f"wd_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A partner's URL told about events. `seller` decides the scope, once, at creation: None (created by
    staff) gets every event, staff-only ones included; a seller's endpoint only what that seller may read
    through GET /api/v1/events/, with only its own lines of an order's snapshot."""

    endpoint_id = models.CharField(
        _("endpoint id"), max_length=40, unique=True, default=new_endpoint_id, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    seller = models.ForeignKey(
        "orders.Seller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("seller"),
        help_text=_("Empty: a staff endpoint, told about every event."),
    )
    url = models.URLField(_("URL"), max_length=2000)
    event_types = models.JSONField(_("event types"), default=list, blank=True)  # empty: every visible type
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("disabled reason"), max_length=200, blank=True)
    # Fernet tokens (config.crypto); the plain secret leaves only in the creation and rotation responses.
    secret_encrypted = models.TextField(_("encrypted secret"), editable=False)
    previous_secret_encrypted = models.TextField(_("encrypted previous secret"), blank=True, editable=False)
    previous_valid_until = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    # The current failure streak (every attempt failed since `failing_since`): auto-disable reads it.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner webhook endpoint")
        verbose_name_plural = _("partner webhook endpoints")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.url}"

    def signing_secrets(self, *, now: datetime) -> list[str]:
        """The plain secrets to sign with now: the current one, and the previous one within its window."""
        secrets = [secret_decrypt(self.secret_encrypted)]
        if self.previous_secret_encrypted and self.previous_valid_until and now < self.previous_valid_until:
            secrets.append(secret_decrypt(self.previous_secret_encrypted))
        return secrets


class WebhookEndpointDelivery(models.Model):
    """One event for one endpoint: sent until a 2xx (then `succeeded`) or the schedule's end (`failed`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    delivery_id = models.CharField(
        _("delivery id"), max_length=40, unique=True, default=new_delivery_id, editable=False
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="+", verbose_name=_("event")
    )
    aggregate = models.CharField(_("aggregate"), max_length=80)  # the event's: the ordering key
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # The sender's lease: set when an attempt starts, cleared when its result is stored. One older than
    # EVENTS_WEBHOOK_LEASE_S belongs to a dead worker; the sweep takes the delivery over.
    attempt_started_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=240, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("last latency (ms)"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # A replay of a finished delivery is one attempt: if it fails, the delivery is `failed` again.
    replayed = models.BooleanField(_("replayed"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("partner webhook delivery")
        verbose_name_plural = _("partner webhook deliveries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(fields=["endpoint", "aggregate", "event"], name="webhook_delivery_chain_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.delivery_id


class WebhookDeliveryAttempt(models.Model):
    """One HTTP request of a delivery: the log partners and staff read (never the response body)."""

    delivery = models.ForeignKey(
        WebhookEndpointDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveIntegerField(_("number"))
    started_at = models.DateTimeField(_("started at"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.CharField(_("error"), max_length=240, blank=True)

    class Meta:
        verbose_name = _("partner webhook delivery attempt")
        verbose_name_plural = _("partner webhook delivery attempts")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
