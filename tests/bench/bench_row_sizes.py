"""Rows per order and bytes per row of each large table, measured on PostgreSQL (docs/scaling.md).

    DATABASE_URL=postgres://… .venv/bin/python tests/bench/bench_row_sizes.py [--orders 500]

On a throwaway test database, against the local emulator, through the real services: orders of one to
three lines from one or two sellers, each paid (verify), notified by a Bootpay webhook (stored and
processed), every tenth partly refunded; the outbox dispatched to one staff partner endpoint (each
delivery given one attempt row: the HTTP sends are not made) and to notifications. Then, per table: rows
per order, the average row as stored (`avg(pg_column_size(t.*))`), and heap and index bytes per row
(`pg_relation_size`, `pg_indexes_size` ÷ rows, after VACUUM ANALYZE). A few hundred rows leave most of
an index's pages empty, so the measured index bytes per row overstate a large table's: the last column
estimates them at scale from the keys' average widths (`pg_stats.avg_width`): per index and row a B-tree
entry of 8 bytes of header plus its keys (each aligned to 8), a 4-byte line pointer, pages filled to 90%
(partial indexes counted as if whole: an upper bound). Asserts nothing.
"""

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Product, Seller  # noqa: E402
from orders.services import OrderLine, order_create  # noqa: E402
from payments import gateway  # noqa: E402
from payments.events import tasks as event_tasks  # noqa: E402
from payments.events.models import WebhookDeliveryAttempt, WebhookEndpointDelivery  # noqa: E402
from payments.events.services.dispatch import events_dispatch  # noqa: E402
from payments.events.services.partner_webhooks import webhook_endpoint_create  # noqa: E402
from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY, SandboxServer  # noqa: E402
from payments.services import payment_cancel, payment_verify  # noqa: E402
from payments.webhooks.services import webhook_process, webhook_receive  # noqa: E402

TABLES = [
    "orders_order",
    "orders_orderitem",
    "orders_sellerorder",
    "payments_payment",
    "payments_paymentevent",
    "payments_cancellation",
    "payments_cancellationshare",
    "payments_webhookdelivery",
    "events_event",
    "events_eventseller",
    "events_webhookendpointdelivery",
    "events_webhookdeliveryattempt",
    "events_notification",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("needs DATABASE_URL (PostgreSQL)")
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with SandboxServer(port=0).start() as server:
            gateway.set_gateway(
                gateway.BootpayGateway(
                    mode="sandbox",
                    api_url=server.api_url,
                    application_id=SANDBOX_APPLICATION_ID,
                    private_key=SANDBOX_PRIVATE_KEY,
                )
            )
            seed(server, args.orders)
            report(args.orders)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def seed(server, orders: int) -> None:
    users = get_user_model()
    staff = users.objects.create_user("bench-staff", email="ops@example.com", is_staff=True)
    # No HTTP: the deliveries are recorded by dispatch; their sending is not what is measured here.
    event_tasks.webhook_delivery_send_task.delay = lambda *a, **k: None
    event_tasks.webhook_delivery_send_task.apply_async = lambda *a, **k: None
    webhook_endpoint_create(actor=staff, url="https://partner.example.com/hooks")
    sellers = [
        Seller.objects.create(
            user=users.objects.create_user(f"seller{n}", email=f"s{n}@example.com"), name=f"s{n}"
        )
        for n in range(5)
    ]
    products = [
        Product.objects.create(seller=sellers[n % 5], name=f"상품 {n}", price=12_900 + n * 100, stock=10**7)
        for n in range(20)
    ]
    buyers = [users.objects.create_user(f"buyer{n}", email=f"b{n}@example.com") for n in range(50)]
    for n in range(orders):
        lines = [OrderLine(products[(n + k * 7) % 20].pk, 1 + k % 2) for k in range(1 + n % 3)]
        order = order_create(buyer=buyers[n % 50], lines=lines)
        receipt = server.state.create_receipt(
            order_id=order.order_id, price=order.total_amount, order_name=order.order_name
        )
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt["receipt_id"], actor=order.buyer)
        body = json.dumps(server.state.get_receipt(receipt["receipt_id"]), ensure_ascii=False).encode()
        delivery = webhook_receive(
            raw_body=body,
            content_type="application/json",
            headers={"Content-Type": "application/json", "User-Agent": "Bootpay-Webhook"},
            remote_ip="223.130.82.10",
        )
        webhook_process(delivery_pk=delivery.pk)
        if n % 10 == 0:
            payment_cancel(
                payment_pk=payment.pk,
                actor=staff,
                reason="단순 변심",
                amount=order.total_amount // 2,
                idempotency_key=uuid.uuid4().hex,
            )
    while events_dispatch():
        pass
    for delivery in WebhookEndpointDelivery.objects.all():
        WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=1,
            started_at=timezone.now(),
            status_code=200,
            latency_ms=85,
            succeeded=True,
        )


def report(orders: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        present = {row[0] for row in cursor.fetchall()}
        print(f"{orders} orders through the services; per table (bytes):")
        print(
            "| table | rows per order | avg row (pg_column_size) | heap per row | indexes per row | "
            "indexes per row at scale (est.) |"
        )
        print("|---|---|---|---|---|---|")
        for table in TABLES:
            if table not in present:
                print(f"| {table} | (no such table) | | | |")
                continue
            cursor.execute(f'VACUUM ANALYZE "{table}"')
            cursor.execute(
                f"SELECT count(*), coalesce(avg(pg_column_size(t.*)), 0), pg_relation_size(%s), "
                f'pg_indexes_size(%s) FROM "{table}" t',
                [table, table],
            )
            rows, row_bytes, heap, indexes = cursor.fetchone()
            if not rows:
                print(f"| {table} | 0 | | | |")
                continue
            per_order, heap_row, index_row = rows / orders, heap / rows, indexes / rows
            estimate = _index_bytes_per_row(cursor, table)
            print(
                f"| {table} | {per_order:.2f} | {row_bytes:.0f} | {heap_row:.0f} | {index_row:.0f} | "
                f"{estimate:.0f} ({_index_count(cursor, table)} indexes) |"
            )


def _index_columns(cursor, table: str) -> list[list[str]]:
    cursor.execute(
        """SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
           WHERE c.relname = %s GROUP BY i.indexrelid""",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _index_count(cursor, table: str) -> int:
    return len(_index_columns(cursor, table))


def _index_bytes_per_row(cursor, table: str) -> float:
    cursor.execute("SELECT attname, avg_width FROM pg_stats WHERE tablename = %s", [table])
    width = dict(cursor.fetchall())
    total = 0.0
    for columns in _index_columns(cursor, table):
        keys = sum(-(-width.get(column, 8) // 8) * 8 for column in columns)
        total += (8 + keys + 4) / 0.9
    return total


if __name__ == "__main__":
    main()
