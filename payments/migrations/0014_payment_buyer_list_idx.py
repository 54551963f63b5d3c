# A buyer's payment list, newest first: one range of this index per page (payments.selectors).

from django.db import migrations, models

from config.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY runs outside a transaction (a plain CREATE INDEX on SQLite).
    atomic = False

    dependencies = [
        ("payments", "0013_payment_buyer"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="payment",
            index=models.Index(fields=["buyer", "-created_at", "-id"], name="payment_buyer_recent_idx"),
        ),
    ]
