"""Notifications: one row per (event, recipient, channel), written in the dispatch transaction.

States: `pending` → `sent` (once; never again) | `failed` (a permanent refusal, or out of attempts);
`skipped` is final from the start (opted out, no address). A sender claims a pending row under
`select_for_update(skip_locked)` and a lease (`leased_until`), so two workers never send one row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    KO = "ko", "한국어"
    EN = "en", "English"


class ChannelName(models.TextChoices):
    EMAIL = "email", _("email")
    ALIMTALK = "alimtalk", _("KakaoTalk Alimtalk")
    SMS = "sms", "SMS"


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    class Audience(models.TextChoices):
        BUYER = "buyer", _("buyer")
        SELLER = "seller", _("seller")
        STAFF = "staff", _("staff")

    class SkipReason(models.TextChoices):
        OPTED_OUT = "opted_out", _("opted out")
        NO_ADDRESS = "no_address", _("no address")

    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="notifications", verbose_name=_("event")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelName.choices)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    # The seller whose lines a seller's notice shows (None for buyers and staff).
    seller = models.ForeignKey(
        "orders.Seller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seller"),
    )
    legal = models.BooleanField(_("legal notice"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    skip_reason = models.CharField(_("skip reason"), max_length=16, choices=SkipReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Short and without addresses: an exception class and an SMTP/provider code, never a message body.
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="notification_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending_idx",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} ({self.channel})"


class NotificationPreference(models.Model):
    """A user's choices. Absent row = Korean, every channel on. Legal notices ignore the opt-outs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.KO)
    email_opt_out = models.BooleanField(_("email opt-out"), default=False)
    alimtalk_opt_out = models.BooleanField(_("Alimtalk/SMS opt-out"), default=False)
    # Where 알림톡/SMS go (digits only); the user model has no phone. Never logged, never in a payload.
    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"


class SandboxMessage(models.Model):
    """What the sandbox 알림톡/SMS channel would have sent: recorded here, sent to nobody."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="sandbox_messages",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelName.choices)
    template_code = models.CharField(_("template code"), max_length=48)
    to_masked = models.CharField(_("to (masked)"), max_length=16)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"sandbox message {self.pk}"
