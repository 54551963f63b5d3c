# A seller's order list reads one row per (seller, order) carrying the order's created_at
# (orders.models.SellerOrder): the table, then a row for every order made before it. 0009 builds the list's
# index concurrently.

import django.db.models.deletion
from django.db import migrations, models

# One statement PostgreSQL and SQLite both run, and run again safely (it adds only what is missing): rows
# for orders created by code still running without the table while this deploys. On a table of many
# millions of lines run it beforehand in batches (`… AND orders_orderitem.order_id BETWEEN x AND y`), so
# this one finds nothing left (docs/scaling.md).
BACKFILL = """
INSERT INTO orders_sellerorder (seller_id, order_id, created_at)
SELECT DISTINCT orders_orderitem.seller_id, orders_orderitem.order_id, orders_order.created_at
FROM orders_orderitem JOIN orders_order ON orders_order.id = orders_orderitem.order_id
WHERE NOT EXISTS (
    SELECT 1 FROM orders_sellerorder
    WHERE orders_sellerorder.seller_id = orders_orderitem.seller_id
      AND orders_sellerorder.order_id = orders_orderitem.order_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_product_trial_days"),
    ]

    operations = [
        migrations.CreateModel(
            name="SellerOrder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        help_text="The order's own `created_at`.", verbose_name="order created at"
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seller_links",
                        to="orders.order",
                        verbose_name="order",
                    ),
                ),
                (
                    "seller",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="order_links",
                        to="orders.seller",
                        verbose_name="seller",
                    ),
                ),
            ],
            options={
                "verbose_name": "seller's order",
                "verbose_name_plural": "sellers' orders",
                "constraints": [
                    models.UniqueConstraint(fields=("seller", "order"), name="seller_order_once")
                ],
            },
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
