"""System checks of the payments app (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def billing_key_encryption_configured(app_configs, **kwargs):
    if settings.IS_LOCAL or settings.BILLING_KEY_ENCRYPTION_KEYS_SET:
        return []
    return [
        checks.Warning(
            "BILLING_KEY_ENCRYPTION_KEYS is not set: stored billing keys and cash receipt identifiers are "
            "encrypted with a key derived from SECRET_KEY, so rotating SECRET_KEY makes them unreadable.",
            hint="Set BILLING_KEY_ENCRYPTION_KEYS to a Fernet key of its own (docs/deploy.md).",
            id="payments.W001",
        )
    ]
