from django.core.management.base import BaseCommand

from orders.services import order_expire_unpaid


class Command(BaseCommand):
    help = "Expire unpaid orders past their payment deadline and release their stock."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size: int, **options):
        total = 0
        while expired := order_expire_unpaid(batch_size=batch_size):
            total += len(expired)
            if len(expired) < batch_size:
                break
        self.stdout.write(f"expired {total} order(s)")
