"""Webhook drain rate of real Celery workers: N stored deliveries, drained by 1 worker, then by 2.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python tests/bench/bench_worker_drain.py [--deliveries 1000] [--latency-ms 0]

Runs on a throwaway test database (`test_<db>`) against the local emulator; flushes the Redis database
of REDIS_URL. For each round: N paid orders, one delivery each, N tasks queued while no worker runs; then
the workers start and drain the queue. The rate is deliveries / (last processed - first claimed), from
the rows themselves, so worker start-up is not counted. The 1-worker round is the baseline of the same
run. Asserts nothing beyond "everything processed once": speed is measured here, not in tests.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from orders.models import Product, Seller  # noqa: E402
from orders.services import OrderLine, order_create  # noqa: E402
from payments.models import PaymentEvent, WebhookDelivery  # noqa: E402
from payments.sandbox import SandboxServer  # noqa: E402
from payments.webhooks import tasks  # noqa: E402
from payments.webhooks.services import webhook_receive  # noqa: E402
from tests.workers.harness import Worker, flush_broker, publishing_to, wait_until  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"])
    parser.add_argument("--concurrency", type=int, default=4, help="per worker")
    parser.add_argument("--latency-ms", type=int, default=0, help="emulator delay per receipt lookup")
    args = parser.parse_args()
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with SandboxServer(port=0).start() as server, publishing_to(settings.REDIS_URL):
            if args.latency_ms:
                server.state.add_fault(path="receipt", mode="latency", latency_s=args.latency_ms / 1000)
            run(server, args)
    finally:
        flush_broker(settings.REDIS_URL)
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(server, args) -> None:
    users = get_user_model()
    buyer = users.objects.create_user("bench-buyer")
    seller = Seller.objects.create(user=users.objects.create_user("bench-seller"), name="bench")
    product = Product.objects.create(seller=seller, name="p", price=10_000, stock=10**7)
    print(
        f"{args.deliveries} deliveries per round, {args.pool} pool, "
        f"concurrency {args.concurrency} per worker, emulator latency {args.latency_ms} ms per lookup"
    )
    rates = {}
    for workers in (1, 2):
        rates[workers] = drain_round(server, args, buyer, product, workers)
        print(f"  {workers} worker(s): {rates[workers]:8.1f} deliveries/s")
    print(f"  ratio 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


def drain_round(server, args, buyer, product, workers: int) -> float:
    flush_broker(settings.REDIS_URL)
    WebhookDelivery.objects.all().delete()
    pks = []
    for _ in range(args.deliveries):
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        receipt = server.state.create_receipt(order_id=order.order_id, price=order.total_amount)
        body = f'{{"receipt_id": "{receipt["receipt_id"]}", "status": 1}}'.encode()
        pks.append(
            webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None).pk
        )
    events_before = PaymentEvent.objects.count()
    for pk in pks:
        tasks.process_webhook_delivery.delay(pk)

    started = [
        Worker(
            f"bench{workers}-{i}",
            broker_url=settings.REDIS_URL,
            bootpay_api_url=server.api_url,
            pool=args.pool,
            concurrency=args.concurrency,
            LOG_LEVEL="WARNING",
        ).start()
        for i in range(workers)
    ]
    try:
        wait_until(
            lambda: not WebhookDelivery.objects.filter(state__in=["received", "processing"]).exists(),
            timeout=600,
            what="the drain",
            interval=0.2,
        )
    finally:
        for worker in started:
            worker.close()
    rows = WebhookDelivery.objects.filter(pk__in=pks)
    assert set(rows.values_list("state", "attempts")) == {("processed", 1)}, "not every delivery once"
    assert PaymentEvent.objects.count() - events_before == args.deliveries, "not one booking per payment"
    span = rows.aggregate(first=Min("claimed_at"), last=Max("processed_at"))
    return args.deliveries / (span["last"] - span["first"]).total_seconds()


if __name__ == "__main__":
    main()
