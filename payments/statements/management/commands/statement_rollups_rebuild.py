from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError
from payments.statements.selectors import statement_period
from payments.statements.services import bookings_backfill, rollups_fold_all, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Repair the statement rollups of a period (KST dates, both inclusive) from the raw rows: rebook "
        "every payment with a sale or refund in it (corrections appended, under the orders' locks), then "
        "rewrite the period's rollups from the bookings. Safe while payments go on. --backfill instead "
        "books every raw sale and refund not booked yet (all periods) and folds them; --fold only folds "
        "(docs/statements.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--backfill", action="store_true", help="book every unbooked raw sale and refund")
        parser.add_argument("--fold", action="store_true", help="only fold the bookings (cron, without beat)")

    def handle(self, *args, date_from, date_to, backfill, fold, **options):
        if fold:
            self.stdout.write(f"folded={rollups_fold_all()}")
            return
        if backfill:
            if date_from or date_to:
                raise CommandError("--backfill covers every period: leave --from and --to out")
            bookings_backfill()
            self.stdout.write(f"backfilled; folded={rollups_fold_all()}")
            return
        try:
            start, end = statement_period(date_from=date_from, date_to=date_to)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.details or exc}") from exc
        counts = rollups_rebuild(start, end)
        self.stdout.write(f"period={start}..{end} " + " ".join(f"{k}={v}" for k, v in counts.items()))
