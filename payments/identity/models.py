"""What we keep of an identity verification (본인인증): when, whether the person is an adult, a keyed
hash of the person's CI and Bootpay's receipt id. Never the name, birth date, phone or the CI itself
(docs/identity.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityVerification(models.Model):
    """One accepted verification of an account; the newest live one is the account's state.

    `receipt_id` is unique: a verification vouches for the account that presented it first, never for a
    second one. `person_hash` (HMAC-SHA256 of the CI) tells people apart without revealing anyone.
    """

    class Method(models.TextChoices):
        BROWSER = "browser"  # Bootpay's window (requestAuthentication), result read with `certificate`
        SMS = "sms"  # REST: request_authentication + confirm_authentication (apps)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity_verifications",
        verbose_name=_("user"),
    )
    receipt_id = models.CharField(
        _("receipt id"), max_length=64, unique=True, help_text="Bootpay's verification receipt."
    )
    method = models.CharField(_("verification method"), max_length=8, choices=Method.choices)
    person_hash = models.CharField(
        _("person hash"),
        max_length=64,
        db_index=True,
        help_text="HMAC-SHA256 of the person's CI (IDENTITY_HASH_KEY).",
    )
    adult = models.BooleanField(
        _("adult"), help_text="Not a 청소년 under 청소년보호법 제2조제1호 when verified."
    )
    verified_at = models.DateTimeField(_("verified at"), help_text="Bootpay's authenticated_at.")
    expires_at = models.DateTimeField(_("expires at"), help_text="verified_at + IDENTITY_VERIFICATION_TTL.")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")
        ordering = ["-verified_at", "-pk"]
        indexes = [models.Index(fields=["user", "-expires_at"], name="identity_user_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("verified_at")),
                name="identity_expiry_after_verified",
            )
        ]

    def __str__(self) -> str:
        return f"verification {self.pk} of user {self.user_id}"


class IdentitySmsChallenge(models.Model):
    """An SMS verification started over REST: its Bootpay receipt id is the handle the app confirms with.

    Only the account that started it may confirm or resend it. Nothing personal is stored: the name,
    birth date and phone went to Bootpay and nowhere else.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity_sms_challenges",
        verbose_name=_("user"),
    )
    receipt_id = models.CharField(_("receipt id"), max_length=64, unique=True)
    authentication_id = models.CharField(_("authentication id"), max_length=40, unique=True)
    resends = models.PositiveSmallIntegerField(_("resends"), default=0)
    # Codes tried: a 6-digit code must not be guessable by trying (IDENTITY_SMS_MAX_ATTEMPTS per challenge).
    attempts = models.PositiveSmallIntegerField(_("codes tried"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS verification")
        verbose_name_plural = _("SMS verifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"SMS verification {self.authentication_id}"
