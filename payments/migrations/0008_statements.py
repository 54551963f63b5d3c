# Seller statements: who each cancellation is charged to (CancellationShare), its backfill for the
# cancellations made before, and the indexes a period's sales and refunds are read through.

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models

from config.migration_operations import AddIndexConcurrentlyIfPostgres

SOLD = ("paid", "partially_cancelled", "cancelled")


def _apportion(total, levels):
    # Frozen copy of payments.services.settle.apportion (a migration must not change with the code).
    shares = Counter()
    levels = [{key: max(0, weight) for key, weight in level.items()} for level in levels]
    levels = [level for level in levels if sum(level.values()) > 0]
    for depth, level in enumerate(levels):
        if total <= 0:
            break
        whole = sum(level.values())
        if total >= whole and depth < len(levels) - 1:
            shares.update(level)
            total -= whole
            continue
        floors = {key: total * weight // whole for key, weight in level.items()}
        ranked = sorted(level, key=lambda key: (-(total * level[key] % whole), key))
        for key in ranked[: total - sum(floors.values())]:
            floors[key] += 1
        shares.update(floors)
        total = 0
    return shares


def backfill_shares(apps, schema_editor):
    """Charge every cancellation of a payment that sold to its sellers, as the cancel service now
    does: a line refund to the lines' sellers, anything else pro rata over what each seller had left
    after the payment's earlier cancellations (those that did not fail), oldest first."""
    Payment = apps.get_model("payments", "Payment")
    Cancellation = apps.get_model("payments", "Cancellation")
    CancellationShare = apps.get_model("payments", "CancellationShare")
    OrderItem = apps.get_model("orders", "OrderItem")

    payments = (
        Payment.objects.filter(status__in=SOLD, cancellations__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", "order_id")
    )
    for payment_pk, order_pk in payments.iterator(chunk_size=500):
        lines = list(OrderItem.objects.filter(order_id=order_pk))
        lines_taxable, lines_tax_free = Counter(), Counter()
        for line in lines:
            target = lines_tax_free if line.is_tax_free else lines_taxable
            target[line.seller_id] += line.unit_price * line.quantity
        left_taxable, left_tax_free = Counter(lines_taxable), Counter(lines_tax_free)
        every_line = lines_taxable + lines_tax_free
        rows = []
        cancellations = (
            Cancellation.objects.filter(payment_id=payment_pk)
            .order_by("created_at", "pk")
            .prefetch_related("items")
        )
        for cancellation in cancellations:
            if CancellationShare.objects.filter(cancellation_id=cancellation.pk).exists():
                continue
            items = list(cancellation.items.all())
            taxable, tax_free = Counter(), Counter()
            for item in items:
                target = tax_free if item.is_tax_free else taxable
                target[item.seller_id] += item.unit_price * item.quantity
            by_items = (
                items
                and sum(taxable.values()) + sum(tax_free.values()) == cancellation.amount
                and sum(tax_free.values()) == cancellation.tax_free_amount
            )
            if not by_items:
                tax_free = _apportion(cancellation.tax_free_amount, [left_tax_free, every_line])
                taxable = _apportion(
                    cancellation.amount - cancellation.tax_free_amount, [left_taxable, every_line]
                )
            for seller_id in sorted(set(taxable) | set(tax_free)):
                amount = taxable[seller_id] + tax_free[seller_id]
                if amount <= 0:
                    continue
                rows.append(
                    CancellationShare(
                        cancellation_id=cancellation.pk,
                        seller_id=seller_id,
                        amount=amount,
                        tax_free_amount=tax_free[seller_id],
                    )
                )
                if cancellation.state != "failed":
                    left_taxable[seller_id] -= taxable[seller_id]
                    left_tax_free[seller_id] -= tax_free[seller_id]
        CancellationShare.objects.bulk_create(rows)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY runs outside a transaction (a plain CREATE INDEX on SQLite); the
    # backfill runs in its own transaction.
    atomic = False

    dependencies = [
        ('orders', '0003_subscriptions'),
        ('payments', '0007_subscription_one_live'),
    ]

    operations = [
        migrations.CreateModel(
            name='CancellationShare',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.PositiveBigIntegerField()),
                ('tax_free_amount', models.PositiveBigIntegerField(default=0)),
                ('cancellation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='shares', to='payments.cancellation')),
                ('seller', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cancellation_shares', to='orders.seller')),
            ],
            options={
                'ordering': ['cancellation', 'seller'],
                'constraints': [
                    models.UniqueConstraint(fields=('cancellation', 'seller'), name='cancellation_share_one_per_seller'),
                    models.CheckConstraint(condition=models.Q(('amount__gte', 1)), name='cancellation_share_amount_positive'),
                    models.CheckConstraint(condition=models.Q(('tax_free_amount__lte', models.F('amount'))), name='cancellation_share_tax_free_lte_amount'),
                ],
            },
        ),
        migrations.RunPython(backfill_shares, migrations.RunPython.noop, atomic=True),
        AddIndexConcurrentlyIfPostgres(
            model_name='cancellation',
            index=models.Index(fields=['state', 'completed_at'], name='cancellation_booked_idx'),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name='payment',
            index=models.Index(fields=['purchased_at'], name='payment_purchased_idx'),
        ),
    ]
