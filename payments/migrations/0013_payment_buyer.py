# The payment's copy of its order's buyer (payments.models.Payment.buyer): the column, then the rows made
# before it. 0014 builds the buyer list's index concurrently.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# One statement PostgreSQL and SQLite both run. On a table of many millions of rows run it beforehand in
# batches (`… AND id BETWEEN x AND y`), so this one finds nothing left (docs/scaling.md).
BACKFILL = """
UPDATE payments_payment SET buyer_id = (
    SELECT orders_order.buyer_id FROM orders_order WHERE orders_order.id = payments_payment.order_id
) WHERE buyer_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_product_trial_days"),
        ("payments", "0012_korean_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="buyer",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="buyer",
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
