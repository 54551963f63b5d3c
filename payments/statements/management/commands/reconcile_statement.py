import sys

from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError
from payments.statements.reconcile import statement_reconcile
from payments.statements.selectors import statement_period


class Command(BaseCommand):
    help = (
        "Check a statement period (KST dates, both inclusive) against Bootpay's receipts and our books "
        "among themselves; print every difference and exit with status 1 when there is any. Changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")

    def handle(self, *args, date_from, date_to, **options):
        try:
            start, end = statement_period(date_from=date_from, date_to=date_to)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.details or exc}") from exc
        result = statement_reconcile(date_from=start, date_to=end)
        for difference in result.differences:
            self.stdout.write(str(difference))
        self.stdout.write(
            f"period={start}..{end} payments_checked={result.payments_checked} "
            f"differences={len(result.differences)}"
        )
        if result.differences:
            sys.exit(1)
