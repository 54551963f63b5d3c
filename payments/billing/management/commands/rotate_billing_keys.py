"""Re-encrypt every stored billing key with the first BILLING_KEY_ENCRYPTION_KEYS entry (docs/billing.md).

Rotation: put the new key first in the setting (keep the old one after it), deploy, run this command,
then drop the old key. Safe to run again or while the site runs: each row is rewritten under its lock.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from payments.billing.crypto import billing_key_reencrypt
from payments.billing.models import BillingKey


class Command(BaseCommand):
    help = "Re-encrypt the stored billing keys with the newest BILLING_KEY_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options):
        rotated = 0
        for pk in BillingKey.objects.order_by("pk").values_list("pk", flat=True).iterator():
            with transaction.atomic():
                key = BillingKey.objects.select_for_update().get(pk=pk)
                token = billing_key_reencrypt(key.key_encrypted)
                if token != key.key_encrypted:
                    key.key_encrypted = token
                    key.save(update_fields=["key_encrypted"])
                    rotated += 1
        self.stdout.write(f"rotated={rotated}")
