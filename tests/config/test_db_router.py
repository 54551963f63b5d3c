"""The read replica (config/db_router.py): which database alias each read goes to.

A second alias, `replica`, points at the test database (as Django's TEST MIRROR does): its reads see the
same rows through a connection of their own, so each test can tell which alias a read used. Real
transactions (`transaction=True`): the router sends nothing to the replica inside a transaction, and a
rolled-back test runs inside one.
"""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from strawberry import relay

from config.db_router import REPLICA_DB_ALIAS, replica_reads
from orders.models import Order, OrderItem
from orders.services import order_lines_create
from payments.models import Payment
from tests.graphql_api.conftest import GraphQLClient
from tests.workers.harness import REPO

# PostgreSQL: an in-memory SQLite test database is not shared by a second connection.
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

EXPIRES = "2030-01-01T00:00Z"


@pytest.fixture
def replica(transactional_db, settings):
    """The router turned on, as DATABASE_REPLICA_URL turns it on (config/settings.py), over the `replica`
    alias tests/conftest.py adds (the test database under a second name)."""
    settings.DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    return connections[REPLICA_DB_ALIAS]


class Reads:
    """The SQL each alias ran in the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA_DB_ALIAS])
        self.primary.__enter__(), self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc), self.primary.__exit__(*exc)

    def on(self, alias_reads: CaptureQueriesContext, table: str) -> list[str]:
        return [q["sql"] for q in alias_reads.captured_queries if f'FROM "{table}"' in q["sql"]]


def _order(buyer, product) -> Order:
    order = Order.objects.create(buyer=buyer, order_name="x", total_amount=1_000, expires_at=EXPIRES)
    line = OrderItem(
        order=order, product=product, seller=product.seller, product_name="p", quantity=1, unit_price=1_000
    )
    order_lines_create(order=order, lines=[line])
    Payment.objects.create(order=order, receipt_id=f"r{order.pk}", amount=1_000)
    return order


# --- The router's rule ----------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_replica_reads_and_outside_a_transaction(replica, buyer):
    with replica_reads():
        assert router.db_for_read(Order) == REPLICA_DB_ALIAS
        with transaction.atomic():  # a transaction on the primary: its reads, and its locks, stay there
            assert router.db_for_read(Order) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Order) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Order) == DEFAULT_DB_ALIAS  # no opt-in: the primary


def test_a_row_read_from_the_replica_is_written_and_followed_on_the_primary(replica, buyer, make_product):
    order = _order(buyer, make_product())
    with replica_reads():
        read = Order.objects.get(pk=order.pk)
    assert read._state.db == REPLICA_DB_ALIAS

    with Reads() as reads:
        read.order_name = "renamed"
        read.save(update_fields=["order_name"])
        assert read.buyer.username == "buyer"  # a relation of the replica's row, followed outside the block

    assert reads.replica.captured_queries == []
    assert Order.objects.get(pk=order.pk).order_name == "renamed"


def test_off_without_the_router(buyer, make_product, transactional_db, settings):
    """The default settings (no DATABASE_REPLICA_URL): no router; opting in changes nothing."""
    assert not settings.DATABASE_ROUTERS
    order = _order(buyer, make_product())
    with replica_reads():
        assert Order.objects.get(pk=order.pk)._state.db == DEFAULT_DB_ALIAS


def test_database_replica_url_adds_the_alias_and_the_router():
    """config/settings.py, in a fresh process (settings are read once)."""
    script = (
        "import django, json; from django.conf import settings; django.setup(); "
        "r = settings.DATABASES['replica']; "
        "print(json.dumps([r['HOST'], r['NAME'], r['TEST']['MIRROR'], settings.DATABASE_ROUTERS, "
        "[d.get('DISABLE_SERVER_SIDE_CURSORS', False) for d in settings.DATABASES.values()]]))"
    )
    env = os.environ | {
        "DATABASE_URL": "postgres://app@primary.internal:5432/shop",
        "DATABASE_REPLICA_URL": "postgres://app@replica.internal:5432/shop",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }

    def shown(**extra: str) -> list:
        run = subprocess.run(
            [sys.executable, "-c", script],
            env=env | extra,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(run.stdout)

    router = ["config.db_router.ReplicaRouter"]
    assert shown() == ["replica.internal", "shop", "default", router, [False, False]]
    # Behind PgBouncer in transaction mode: no server-side cursors on either alias.
    assert shown(DB_TRANSACTION_POOLER="1") == ["replica.internal", "shop", "default", router, [True, True]]


# --- The adapters that opt in, and those that do not ----------------------------------------------


def test_the_rest_order_and_payment_lists_read_the_replica(replica, api_client_for, buyer, make_product):
    _order(buyer, make_product())
    client = api_client_for(buyer)

    for path, table in (("/api/v1/orders/", "orders_order"), ("/api/v1/payments/", "payments_payment")):
        with Reads() as reads:
            response = client.get(path)
        assert response.status_code == 200 and len(response.json()["results"]) == 1
        assert reads.on(reads.replica, table), path  # the page and its count
        assert reads.on(reads.primary, table) == [], path
        # Authentication ran before the list: its token lookup read the primary.
        assert reads.on(reads.primary, "authtoken_token") and not reads.on(reads.replica, "authtoken_token")


def test_a_detail_read_and_a_write_stay_on_the_primary(replica, api_client_for, buyer, make_product):
    order = _order(buyer, make_product())
    client = api_client_for(buyer)

    with Reads() as reads:
        detail = client.get(f"/api/v1/orders/{order.order_id}/")
        created = client.post(
            "/api/v1/orders/", {"items": [{"product_id": make_product().pk, "quantity": 1}]}, format="json"
        )

    assert detail.status_code == 200 and created.status_code == 201, (detail.content, created.content)
    assert reads.replica.captured_queries == []


def test_a_statement_reads_the_replica(replica, api_client_for, make_user):
    staff = make_user("ops", is_staff=True)

    with Reads() as reads:
        response = api_client_for(staff).get(
            "/api/v1/statements/", {"from": "2026-01-01", "to": "2026-01-31"}
        )

    assert response.status_code == 200, response.content
    assert reads.replica.captured_queries
    primary_reads = [q["sql"] for q in reads.primary.captured_queries if q["sql"].startswith("SELECT")]
    assert [sql for sql in primary_reads if "authtoken" not in sql] == []


def test_the_statement_command_reads_the_replica(replica, tmp_path):
    with Reads() as reads:
        call_command(
            "statement", "--from", "2026-01-01", "--to", "2026-01-31", "--output", tmp_path / "s.csv"
        )

    assert reads.replica.captured_queries and reads.primary.captured_queries == []


def test_the_graphql_order_lists_read_the_replica(replica, buyer, make_product):
    product = make_product()
    _order(buyer, product)
    _order(product.seller.user, make_product())  # the seller also buys
    query = "query { %s(first: 5) { edges { node { orderId items { productName } } } } }"

    for field, user in (("myOrders", buyer), ("sellerOrders", product.seller.user)):
        client = GraphQLClient(user)
        with Reads() as reads:
            data = client(query % field)
        assert len(data[field]["edges"]) == 1, field
        assert reads.on(reads.replica, "orders_order"), field
        assert reads.on(reads.replica, "orders_orderitem"), field  # the prefetched lines too
        assert reads.on(reads.primary, "orders_order") == [], field


def test_a_graphql_mutation_reads_and_writes_the_primary(replica, buyer, make_product):
    product = make_product()
    mutation = """mutation($items: [OrderLineInput!]!) { createOrder(input: {items: $items}) {
        __typename ... on CreateOrderSuccess { order { orderId } } } }"""

    with Reads() as reads:
        line = {"productId": relay.to_base64("Product", product.pk), "quantity": 1}
        data = GraphQLClient(buyer)(mutation, {"items": [line]})

    assert data["createOrder"]["__typename"] == "CreateOrderSuccess", data
    assert reads.replica.captured_queries == []
