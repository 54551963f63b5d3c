"""Migration 0008 charges the cancellations made before it to their sellers, as the service now does."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import CancellationShare

# Orders back to where payments 0007 left it, too: the historical models must match the tables.
BEFORE = [("payments", "0007_subscription_one_live"), ("orders", "0003_subscriptions")]
AFTER = [("payments", "0008_statements"), ("orders", "0003_subscriptions")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_backfill_charges_old_cancellations_like_the_service():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model(settings.AUTH_USER_MODEL)
        Seller, Product = apps.get_model("orders", "Seller"), apps.get_model("orders", "Product")
        Order, OrderItem = apps.get_model("orders", "Order"), apps.get_model("orders", "OrderItem")
        Payment, Cancellation = (
            apps.get_model("payments", "Payment"),
            apps.get_model("payments", "Cancellation"),
        )
        buyer = User.objects.create(username="old-buyer")
        a = Seller.objects.create(user=User.objects.create(username="old-a"), name="old-a")
        b = Seller.objects.create(user=User.objects.create(username="old-b"), name="old-b")

        def line(order, seller, price, tax_free=False):
            product = Product.objects.create(seller=seller, name="p", price=price, is_tax_free=tax_free)
            return OrderItem.objects.create(
                order=order,
                product=product,
                seller=seller,
                product_name="p",
                quantity=1,
                unit_price=price,
                is_tax_free=tax_free,
                status="paid",
            )

        order = Order.objects.create(
            buyer=buyer,
            order_name="o",
            total_amount=60_000,
            tax_free_amount=20_000,
            expires_at="2030-01-01T00:00Z",
        )
        line(order, a, 30_000), line(order, b, 10_000)
        b_tax_free = line(order, b, 20_000, tax_free=True)
        payment = Payment.objects.create(
            order=order,
            receipt_id="old-1",
            status="partially_cancelled",
            amount=60_000,
            tax_free_amount=20_000,
            cancelled_amount=30_001,
            cancelled_tax_free_amount=20_000,
            purchased_at="2026-01-05T12:00+09:00",
        )
        by_line = Cancellation.objects.create(
            payment=payment,
            cancel_id="cx-old-1",
            amount=20_000,
            tax_free_amount=20_000,
            reason="line",
            state="succeeded",
        )
        by_line.items.set([b_tax_free])
        refused = Cancellation.objects.create(
            payment=payment, cancel_id="cx-old-2", amount=5_000, reason="refused", state="failed"
        )
        by_amount = Cancellation.objects.create(
            payment=payment, cancel_id="cx-old-3", amount=10_001, reason="amount", state="succeeded"
        )
        # a payment that never sold: its refund is charged to nobody
        other = Order.objects.create(
            buyer=buyer, order_name="o", total_amount=30_000, expires_at="2030-01-01T00:00Z"
        )
        line(other, a, 30_000)
        failed = Payment.objects.create(order=other, receipt_id="old-2", status="failed", amount=30_000)
        Cancellation.objects.create(payment=failed, cancel_id="cx-old-4", amount=30_000, reason="auto")

        migrate(AFTER)

        def shares(cancel_id):
            rows = CancellationShare.objects.filter(cancellation__cancel_id=cancel_id)
            return {row.seller_id: (row.amount, row.tax_free_amount) for row in rows}

        assert shares(by_line.cancel_id) == {b.pk: (20_000, 20_000)}
        # pro rata over the taxable money left, A 30,000 : B 10,000; the refused one frees its shares
        assert shares(refused.cancel_id) == {a.pk: (3_750, 0), b.pk: (1_250, 0)}
        assert shares(by_amount.cancel_id) == {a.pk: (7_501, 0), b.pk: (2_500, 0)}
        assert shares("cx-old-4") == {}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
