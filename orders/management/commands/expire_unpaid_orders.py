from django.core.management.base import BaseCommand

from orders.tasks import expire_unpaid_orders


class Command(BaseCommand):
    help = (
        "Expire unpaid orders past their payment deadline and release their stock "
        "(what the scheduled task orders.tasks.expire_unpaid_orders runs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size: int, **options):
        total = expire_unpaid_orders(batch_size=batch_size)  # in this process, not through the broker
        self.stdout.write(f"expired {total} order(s)")
