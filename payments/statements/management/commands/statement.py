from django.core.management.base import BaseCommand, CommandError

from config.db_router import replica_reads
from config.errors import DomainError
from payments.statements.csv import statement_csv
from payments.statements.selectors import staff_statement, statement_period


class Command(BaseCommand):
    help = (
        "Write the sellers' statement of a period (KST dates, both inclusive) as CSV: every seller with "
        "activity and the all-sellers total, or one seller's (docs/statements.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--seller", type=int, metavar="ID", help="only this seller (its id)")
        parser.add_argument("--headers", choices=("en", "ko"), default="en")
        parser.add_argument("--output", metavar="PATH", help="write to this file instead of stdout")

    @replica_reads()  # a statement tolerates seconds of lag (docs/scaling.md "Read replica")
    def handle(self, *args, date_from, date_to, seller, headers, output, **options):
        try:
            start, end = statement_period(date_from=date_from, date_to=date_to)
            text = statement_csv(
                staff_statement(date_from=start, date_to=end, seller_id=seller), headers=headers
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.details or exc}") from exc
        if output:
            # newline="" keeps the CSV's own CRLF line ends; the BOM is part of the text
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
