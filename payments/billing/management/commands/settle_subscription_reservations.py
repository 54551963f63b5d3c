"""``python manage.py settle_subscription_reservations``: one run of the reservations beat task, for
deployments without Celery beat (run it from cron; docs/deploy.md).

The same body as `payments.tasks.settle_subscription_reservations`: reservations Bootpay should have
run by now are looked up and booked once (however a webhook or another run races), failures retried,
and the reservations cancelled subscriptions left behind cancelled (docs/billing.md, "Reserved mode").
"""

from django.core.management.base import BaseCommand

from payments.billing.services import subscriptions_settle_reservations


class Command(BaseCommand):
    help = (
        "Settle the subscription reservations past their execution time (and those of cancelled "
        "subscriptions), as the reservations beat task does; prints a count per outcome. Safe to run "
        "concurrently with beat and workers."
    )

    def handle(self, *args, **options):
        counts = subscriptions_settle_reservations()
        self.stdout.write(
            " ".join(f"{outcome}={count}" for outcome, count in sorted(counts.items())) or "nothing to do"
        )
