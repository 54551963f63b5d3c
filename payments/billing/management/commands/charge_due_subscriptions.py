"""``python manage.py charge_due_subscriptions``: one run of the billing beat task, for deployments
without Celery beat (run it from cron; docs/deploy.md).

The same body as `payments.tasks.charge_due_subscriptions`: safe to run while beat, workers or another
run of this command charge too (each period's charge is claimed under its subscription's lock before
it is sent; docs/billing.md).
"""

from django.core.management.base import BaseCommand

from payments.billing.services import subscriptions_charge_due


class Command(BaseCommand):
    help = (
        "Charge the subscriptions whose period (or retry) is due, as the billing beat task does; prints "
        "how many were handled. Safe to run concurrently with beat and workers."
    )

    def handle(self, *args, **options):
        handled = subscriptions_charge_due()
        self.stdout.write(f"handled={handled}")
