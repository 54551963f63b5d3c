"""Re-encrypt every stored billing key with the first BILLING_KEY_ENCRYPTION_KEYS entry (docs/billing.md).

Rotation: put the new key first in the setting (keep the old one after it), deploy, run this command and
`rotate_cash_receipt_keys` (the same keys encrypt cash receipt identifiers; docs/deploy.md), then drop the
old key. Safe to run again or while the site runs: each row is rewritten under its lock.
"""

from django.core.management.base import BaseCommand

from config.crypto import rows_reencrypt
from payments.billing.models import BillingKey


class Command(BaseCommand):
    help = "Re-encrypt the stored billing keys with the newest BILLING_KEY_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options):
        self.stdout.write(f"rotated={rows_reencrypt(BillingKey, 'key_encrypted')}")
