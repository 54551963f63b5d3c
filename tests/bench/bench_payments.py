"""Payment-path figures on a throwaway test database, against the local emulator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python tests/bench/bench_payments.py

Prints verify latency (sequential), verify throughput with concurrent buyers, webhook ingest rate
and the SQL queries per verify. Asserts nothing: speed is measured here, not in tests.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from orders.models import Product, Seller  # noqa: E402
from orders.services import OrderLine, order_create  # noqa: E402
from payments import gateway  # noqa: E402
from payments.api import views  # noqa: E402
from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY, SandboxServer  # noqa: E402
from payments.services import payment_verify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

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
            run(server, args)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(server, args) -> None:
    users = get_user_model()
    buyers = [users.objects.create_user(f"bench{i}") for i in range(args.threads)]
    seller = Seller.objects.create(user=users.objects.create_user("bench-seller"), name="bench")
    product = Product.objects.create(seller=seller, name="p", price=10_000, stock=10**6)

    def paid_order(buyer):
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        receipt = server.state.create_receipt(order_id=order.order_id, price=order.total_amount)
        return order, receipt["receipt_id"]

    pending = [paid_order(buyers[0]) for _ in range(args.orders)]
    durations = []
    with CaptureQueriesContext(connection) as queries:
        order, receipt_id = pending.pop()
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyers[0])
    per_verify_queries = len(queries.captured_queries)
    for order, receipt_id in pending:
        started = time.perf_counter()
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyers[0])
        durations.append(time.perf_counter() - started)
    durations.sort()
    print(
        f"verify, sequential ({len(durations)}): median {statistics.median(durations) * 1000:.1f} ms, "
        f"p95 {durations[int(len(durations) * 0.95)] * 1000:.1f} ms; {per_verify_queries} SQL queries each"
    )

    work = {buyer.pk: [paid_order(buyer) for _ in range(args.orders // args.threads)] for buyer in buyers}

    def verify_all(buyer):
        try:
            for order, receipt_id in work[buyer.pk]:
                payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=verify_all, args=(buyer,)) for buyer in buyers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = sum(len(batch) for batch in work.values())
    print(f"verify, {args.threads} concurrent buyers: {total} in {elapsed:.2f} s = {total / elapsed:.0f}/s")

    client = Client()
    bodies = [json.dumps({"receipt_id": f"{i:024x}", "status": 1}) for i in range(args.orders)]
    views.webhook_dispatch = lambda **kwargs: None  # measure storing and answering only
    started = time.perf_counter()
    for body in bodies:
        client.post("/api/v1/webhooks/bootpay/", body, content_type="application/json")
    elapsed = time.perf_counter() - started
    print(
        f"webhook ingest (store + answer): {len(bodies)} in {elapsed:.2f} s = {len(bodies) / elapsed:.0f}/s"
    )


if __name__ == "__main__":
    main()
