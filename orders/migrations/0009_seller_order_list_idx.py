# A seller's order list, newest first: one range of this index per page (orders.selectors).

from django.db import migrations, models

from config.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY runs outside a transaction (a plain CREATE INDEX on SQLite).
    atomic = False

    dependencies = [
        ("orders", "0008_seller_order"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="sellerorder",
            index=models.Index(fields=["seller", "-created_at", "-order"], name="seller_order_recent_idx"),
        ),
    ]
