"""``python manage.py sweep_cash_receipts``: one run of the cash receipts beat task, for deployments
without Celery beat (run it from cron every few minutes; docs/deploy.md). Safe beside beat and workers."""

from django.core.management.base import BaseCommand

from payments.cash_receipts.services import cash_receipts_sweep


class Command(BaseCommand):
    help = (
        "Issue, re-issue after refunds, cancel and self-issue (자진발급) the cash receipts that are due, and "
        "ask Bootpay again about unanswered ones; prints the count per outcome."
    )

    def handle(self, *args, **options):
        counts = cash_receipts_sweep()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due")
