"""Migration statements/0002 books the sales and refunds made before the rollups existed, and folds them."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import Order, OrderItem, Product, Seller
from payments.models import Cancellation, CancellationShare, Payment
from payments.statements.models import SellerDayRollup, StatementBooking
from payments.statements.reconcile import raw_statement_rows
from payments.statements.selectors import statement_rollup_rows
from tests.payments.statements.support import kst


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_backfill_books_and_folds_what_the_raw_rows_say(make_user):
    migrate([("statements", "0001_rollups")])
    try:
        a = Seller.objects.create(user=make_user("old-a"), name="old-a")
        b = Seller.objects.create(user=make_user("old-b"), name="old-b")
        buyer = make_user("old-buyer")
        day, later = date(2026, 1, 5), date(2026, 1, 7)

        def paid(receipt_id, status, lines, moment):
            order = Order.objects.create(
                buyer=buyer, order_name="x", total_amount=sum(p for _, p, _ in lines), expires_at=moment
            )
            for seller, price, tax_free in lines:
                product = Product.objects.create(seller=seller, name="p", price=price, is_tax_free=tax_free)
                OrderItem.objects.create(
                    order=order,
                    product=product,
                    seller=seller,
                    product_name="p",
                    quantity=1,
                    unit_price=price,
                    is_tax_free=tax_free,
                    status="paid",
                )
            return Payment.objects.create(
                order=order,
                receipt_id=receipt_id,
                status=status,
                amount=order.total_amount,
                purchased_at=moment if status != "failed" else None,
            )

        sold = paid("old-1", "partially_cancelled", [(a, 30_000, False), (b, 20_000, True)], kst(day, 12))
        refund = Cancellation.objects.create(
            payment=sold, amount=5_000, reason="x", state="succeeded", completed_at=kst(later, 9)
        )
        CancellationShare.objects.create(cancellation=refund, seller=a, amount=5_000)
        refused = Cancellation.objects.create(payment=sold, amount=1_000, reason="x", state="failed")
        CancellationShare.objects.create(cancellation=refused, seller=a, amount=1_000)
        paid("old-2", "failed", [(a, 9_000, False)], kst(day, 13))  # never sold: nothing booked
        assert not StatementBooking.objects.exists()

        migrate([("statements", "0002_backfill_rollups")])

        assert sorted(
            StatementBooking.objects.values_list("kind", "seller_id", "day", "taxable", "tax_free")
        ) == [
            ("refund", a.pk, later, 5_000, 0),
            ("sale", a.pk, day, 30_000, 0),
            ("sale", b.pk, day, 0, 20_000),
        ]
        assert not StatementBooking.objects.filter(folded=False).exists()
        assert SellerDayRollup.objects.count() == 3
        served = {(s, d): tuple(rest) for s, _, d, *rest in statement_rollup_rows(day, later)}
        assert served == raw_statement_rows(day, later) != {}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
