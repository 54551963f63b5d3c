"""``python manage.py charge_due_subscriptions``: one run of the billing beat task, for deployments
without Celery beat (run it from cron; docs/deploy.md).

By default it charges the due subscriptions one after another in this process and prints a count per
outcome (`charged=2 declined=1`, or `nothing due`); `--enqueue` hands them to the workers instead, as beat
does (`enqueued=N`). Safe to run while beat, workers or another run of this command charge too (each
period's charge is claimed under its subscription's lock before it is sent; docs/billing.md).
"""

from django.core.management.base import BaseCommand

from payments.billing.services import subscriptions_charge_due, subscriptions_enqueue_due


class Command(BaseCommand):
    help = (
        "Charge the subscriptions whose period (or retry) is due and print a count per outcome; with "
        "--enqueue, enqueue one task each for the workers as the billing beat task does. Safe to run "
        "concurrently with beat and workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="enqueue one renewal task per due subscription (workers charge)",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            from payments.billing.tasks import enqueue_renewal

            self.stdout.write(f"enqueued={subscriptions_enqueue_due(enqueue=enqueue_renewal)}")
            return
        counts = subscriptions_charge_due()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due")
