"""Re-encrypt every stored cash receipt identifier (the buyer's choice per order and each issuance's)
with the first BILLING_KEY_ENCRYPTION_KEYS entry (docs/cash-receipts.md, docs/deploy.md).

Rotation: put the new key first in the setting (keep the old one after it), deploy, run this command and
`rotate_billing_keys`, then drop the old key. Safe to run again or while the site runs: each row is
rewritten under its own lock, in its own transaction.
"""

from django.core.management.base import BaseCommand

from config.crypto import rows_reencrypt
from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest


class Command(BaseCommand):
    help = "Re-encrypt the stored cash receipt identifiers with the newest BILLING_KEY_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options):
        requests = rows_reencrypt(CashReceiptRequest, "identifier_encrypted")
        issuances = rows_reencrypt(CashReceiptIssuance, "identifier_encrypted")
        self.stdout.write(f"requests={requests} issuances={issuances}")
