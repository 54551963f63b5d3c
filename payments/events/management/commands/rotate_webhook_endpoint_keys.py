"""Re-encrypt every partner webhook endpoint's signing secrets (current and previous) with the first
BILLING_KEY_ENCRYPTION_KEYS entry (docs/events.md, docs/deploy.md).

Rotation of the encryption key: put the new key first in the setting (keep the old one after it), deploy,
run this command with `rotate_billing_keys` and `rotate_cash_receipt_keys`, then drop the old key. Safe to
run again or while the site runs: each row is rewritten under its own lock, in its own transaction. (This
is not the rotation of an endpoint's signing secret: that is POST …/rotate-secret/.)
"""

from django.core.management.base import BaseCommand

from config.crypto import rows_reencrypt
from payments.events.models import WebhookEndpoint


class Command(BaseCommand):
    help = "Re-encrypt the stored webhook endpoint secrets with the newest BILLING_KEY_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options):
        endpoints = rows_reencrypt(WebhookEndpoint, "secret_encrypted", "previous_secret_encrypted")
        self.stdout.write(f"endpoints={endpoints}")
