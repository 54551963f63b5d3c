"""orders/0008_seller_order lists the orders that exist before it in each of their sellers' lists (new
ones are listed at creation), once per seller, with the order's created_at; run again it adds nothing."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("orders", "0007_product_trial_days"), ("orders", "0008_seller_order")
BACKFILL = importlib.import_module("orders.migrations.0008_seller_order").BACKFILL


@pytest.mark.django_db(transaction=True)
def test_existing_orders_are_listed_once_per_seller():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    User = apps.get_model("auth", "User")
    Seller, Product = apps.get_model("orders", "Seller"), apps.get_model("orders", "Product")
    Order, OrderItem = apps.get_model("orders", "Order"), apps.get_model("orders", "OrderItem")
    buyer = User.objects.create(username="old-buyer")
    shops = [
        Seller.objects.create(user=User.objects.create(username=f"s{n}"), name=f"s{n}") for n in range(2)
    ]
    products = [Product.objects.create(seller=shop, name=shop.name, price=1_000) for shop in shops]
    products.append(Product.objects.create(seller=shops[0], name="second", price=1_000))

    def order(*lines):
        made = Order.objects.create(
            buyer=buyer, order_name="x", total_amount=1_000, expires_at="2030-01-01T00:00Z"
        )
        for product in lines:
            OrderItem.objects.create(
                order=made, product=product, seller=product.seller, product_name="x", quantity=1, unit_price=1
            )
        return made

    two_shops, one_shop_two_lines = order(products[0], products[1]), order(products[0], products[2])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    SellerOrder = executor.loader.project_state(AFTER).apps.get_model("orders", "SellerOrder")
    listed = sorted(SellerOrder.objects.values_list("seller_id", "order_id", "created_at"))

    assert listed == sorted(
        [
            (shops[0].pk, two_shops.pk, two_shops.created_at),
            (shops[1].pk, two_shops.pk, two_shops.created_at),
            (shops[0].pk, one_shop_two_lines.pk, one_shop_two_lines.created_at),
        ]
    )
    with connection.cursor() as cursor:  # run again (after a deploy): nothing is missing, nothing added
        cursor.execute(BACKFILL)
    assert SellerOrder.objects.count() == 3
