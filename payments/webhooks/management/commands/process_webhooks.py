from django.core.management.base import BaseCommand

from payments.webhooks.services import webhooks_process_pending


class Command(BaseCommand):
    help = (
        "Process stored Bootpay webhook deliveries left unprocessed or held by a crashed worker, "
        "one re-fetch per receipt; --failed also retries failures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--failed", action="store_true", help="also retry deliveries whose processing failed"
        )
        parser.add_argument("--limit", type=int, default=500, help="at most this many receipts per run")

    def handle(self, *args, failed: bool, limit: int, **options):
        counts = webhooks_process_pending(include_failed=failed, limit=limit)
        self.stdout.write(
            " ".join(f"{state}={count}" for state, count in sorted(counts.items())) or "nothing to do"
        )
