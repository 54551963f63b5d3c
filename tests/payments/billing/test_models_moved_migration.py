"""billing/0001 + payments/0011 move the five automatic-payment models from the core (app label `payments`)
to the `billing` app on the same tables: the rows stay as they are, and so do the permissions granted on
them (their content types move with them)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.billing.models import (
    BillingKey,
    BillingKeyRequest,
    Subscription,
    SubscriptionCharge,
    SubscriptionEvent,
)

# Before the move: the core's last migration with the models, billing with none.
BEFORE = [("payments", "0010_charge_open_outcomes"), ("billing", None)]
TABLES = {
    BillingKeyRequest: "payments_billingkeyrequest",
    BillingKey: "payments_billingkey",
    Subscription: "payments_subscription",
    SubscriptionCharge: "payments_subscriptioncharge",
    SubscriptionEvent: "payments_subscriptionevent",
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_models_keep_their_tables():
    assert {model: model._meta.db_table for model in TABLES} == TABLES
    assert {model._meta.app_label for model in TABLES} == {"billing"}


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_permission():
    migrate(BEFORE)
    try:
        graph = MigrationExecutor(connection).loader.graph
        # Apps built later on top of payments (their migrations need the move) stay out of the "before".
        other_apps = [
            node
            for node in graph.leaf_nodes()
            if not any(app in ("payments", "billing") for app, _ in graph.forwards_plan(node))
        ]
        apps = MigrationExecutor(connection).loader.project_state([BEFORE[0], *other_apps]).apps
        User = apps.get_model("auth", "User")
        Permission, ContentTypeThen = (
            apps.get_model("auth", "Permission"),
            apps.get_model("contenttypes", "ContentType"),
        )
        Seller, Product = apps.get_model("orders", "Seller"), apps.get_model("orders", "Product")
        Order = apps.get_model("orders", "Order")
        old = {name: apps.get_model("payments", name) for name in (m.__name__ for m in TABLES)}

        buyer = User.objects.create(username="old-buyer")
        seller = Seller.objects.create(user=User.objects.create(username="old-seller"), name="old-seller")
        product = Product.objects.create(
            seller=seller, name="monthly", price=9_900, subscription_interval="month"
        )
        order = Order.objects.create(
            buyer=buyer, order_name="monthly", total_amount=9_900, expires_at="2030-01-01T00:00Z"
        )
        request = old["BillingKeyRequest"].objects.create(buyer=buyer, used_at="2026-01-01T00:00Z")
        key = old["BillingKey"].objects.create(
            buyer=buyer,
            key_encrypted="token",
            key_fingerprint="f" * 64,
            receipt_id="bk-old-1",
            card_company="KB",
        )
        subscription = old["Subscription"].objects.create(
            buyer=buyer, product=product, billing_key=key, interval="month", price=9_900, current_period=1
        )
        charge = old["SubscriptionCharge"].objects.create(
            subscription=subscription, period=1, order=order, state="paid", attempts=1, receipt_id="r-old-1"
        )
        staff = User.objects.create(username="old-staff", is_staff=True)
        events = [
            old["SubscriptionEvent"].objects.create(subscription=subscription, kind="created").pk,
            old["SubscriptionEvent"]
            .objects.create(subscription=subscription, kind="staff_action", actor=staff)
            .pk,
        ]
        # The permission as staff were granted it before the move: on the core's content type.
        subscription_type, _ = ContentTypeThen.objects.get_or_create(
            app_label="payments", model="subscription"
        )
        change, _ = Permission.objects.get_or_create(
            content_type=subscription_type, codename="change_subscription", defaults={"name": "Can change"}
        )
        staff.user_permissions.add(change)

        latest()
        ContentType.objects.clear_cache()

        assert BillingKeyRequest.objects.get(pk=request.pk).subscription_id == request.subscription_id
        moved_key = BillingKey.objects.get(pk=key.pk)
        assert (moved_key.billing_key_id, moved_key.buyer_id, moved_key.key_encrypted) == (
            key.billing_key_id,
            buyer.pk,
            "token",
        )
        moved = Subscription.objects.get(pk=subscription.pk)
        assert (moved.subscription_id, moved.buyer_id, moved.product_id, moved.billing_key_id) == (
            subscription.subscription_id,
            buyer.pk,
            product.pk,
            key.pk,
        )
        moved_charge = SubscriptionCharge.objects.get(pk=charge.pk)
        assert (moved_charge.subscription_id, moved_charge.order_id, moved_charge.state) == (
            subscription.pk,
            order.pk,
            "paid",
        )
        assert moved_charge.order.subscription_charge == moved_charge
        assert list(moved.events.values_list("pk", "kind", "actor_id")) == [
            (events[0], "created", None),
            (events[1], "staff_action", staff.pk),
        ]

        # The content type moved (same row), so the grant holds under the new label.
        assert ContentType.objects.get_for_model(Subscription).pk == subscription_type.pk
        assert not ContentType.objects.filter(app_label="payments", model="subscription").exists()
        user = get_user_model().objects.get(pk=staff.pk)
        assert user.has_perm("billing.change_subscription")
        assert not user.has_perm("payments.change_subscription")

        # And back: the content types return to the core with the models.
        migrate(BEFORE)
        assert ContentTypeThen.objects.get(pk=subscription_type.pk).app_label == "payments"
        assert old["SubscriptionCharge"].objects.get(pk=charge.pk).order_id == order.pk
    finally:
        latest()
        ContentType.objects.clear_cache()
