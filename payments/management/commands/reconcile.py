from django.core.management.base import BaseCommand

from payments.services import payment_reconcile


class Command(BaseCommand):
    help = (
        "Re-check payments stuck in ready/awaiting_* and cancellations left `requested` against Bootpay, "
        "and fix our records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=10, metavar="MINUTES")

    def handle(self, *args, older_than: int, **options):
        counts = payment_reconcile(older_than_minutes=older_than)
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
