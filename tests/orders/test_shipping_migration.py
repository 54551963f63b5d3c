"""orders/0004_shipping counts the sellers of the orders that exist before it (new ones count at creation)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("orders", "0003_subscriptions"), ("orders", "0004_shipping")


@pytest.mark.django_db(transaction=True)
def test_existing_orders_get_their_seller_count():
    executor = MigrationExecutor(connection)
    # Back to before shipping: the payments migrations that need 0004 go first.
    executor.migrate([BEFORE, ("payments", "0008_statements")])
    apps = executor.loader.project_state([BEFORE, ("payments", "0008_statements")]).apps
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
        return made.pk

    two_shops, one_shop = order(products[0], products[1]), order(products[0], products[2])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    apps = executor.loader.project_state(AFTER).apps
    counts = dict(apps.get_model("orders", "Order").objects.values_list("pk", "seller_count"))

    assert counts == {two_shops: 2, one_shop: 1}
