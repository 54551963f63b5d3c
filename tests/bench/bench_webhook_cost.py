"""What processing one Bootpay webhook delivery costs the worker, in-process: CPU ms, wall ms, SQL statements.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python tests/bench/bench_webhook_cost.py \
        [--deliveries 300] [--json]

Runs `webhook_process` (what the Celery task calls) on stored deliveries, against the Bootpay emulator
started here as a process of its own (so its CPU is not counted), through the real SDK over HTTP. Two kinds:

- `first`: the first notice of a paid receipt for an order nobody verified (the buyer's tab was
  closed): the payment is created and the order paid.
- `repeat`: a notice for a receipt already applied (Bootpay's retry, or the notice arriving after the
  buyer's browser verified): the receipt is fetched again and nothing changes.

CPU is `time.process_time()` around each call (median), statements are what `CaptureQueriesContext`
counts (savepoints included; BEGIN/COMMIT are not statements Django runs), measured on separate
deliveries so that capturing costs no CPU in the timed ones. Writes orders, payments and deliveries to
the database it is given: run it on a throwaway one (`make bench` runs it on its own). With REDIS_URL,
Celery messages go to the queue BENCH_CELERY_QUEUE (deleted by `make bench`); nothing drains it.
Asserts nothing: the statement count per kind is pinned by tests/payments/webhooks/test_webhook_cost.py.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "bootpay_sandbox", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/_sandbox/health", timeout=1).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("error: the Bootpay emulator did not start")


def paid_receipt(base: str, order) -> str:
    request = urllib.request.Request(
        f"{base}/_sandbox/receipts",
        data=json.dumps({"order_id": order.order_id, "price": order.total_amount}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["receipt_id"]


def measure(deliveries: int, base: str) -> dict:
    import uuid

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.models import Product, Seller
    from orders.services import OrderLine, order_create
    from payments import gateway
    from payments.gateway import BootpayGateway
    from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY
    from payments.webhooks.services import webhook_process_outcome, webhook_receive

    gateway.set_gateway(
        BootpayGateway(
            mode="sandbox",
            api_url=f"{base}/v2",
            application_id=SANDBOX_APPLICATION_ID,
            private_key=SANDBOX_PRIVATE_KEY,
            timeout_s=10.0,
        )
    )
    run = uuid.uuid4().hex[:8]
    users = get_user_model().objects
    buyer = users.create(username=f"cost-buyer-{run}")
    seller = Seller.objects.create(user=users.create(username=f"cost-seller-{run}"), name=f"cost {run}")
    product = Product.objects.create(seller=seller, name="cost product", price=10_000, stock=10**9)

    warm, counted = 20, 20
    receipts = []
    for _ in range(warm + deliveries + counted):
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        receipts.append(paid_receipt(base, order))

    def store(receipt_id: str) -> int:
        body = json.dumps({"receipt_id": receipt_id, "status": 1, "webhook_type": "PAYMENT"}).encode()
        return webhook_receive(
            raw_body=body, content_type="application/json", headers={}, remote_ip="127.0.0.1"
        ).pk

    def timed(receipt_ids: list[str]) -> tuple[list[float], list[float]]:
        cpu, wall = [], []
        for receipt_id in receipt_ids:
            pk = store(receipt_id)
            started_cpu, started = time.process_time(), time.perf_counter()
            outcome = webhook_process_outcome(delivery_pk=pk)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            if outcome != "processed":
                sys.exit(f"error: delivery {pk} ended {outcome}")
        return cpu, wall

    def statements(receipt_ids: list[str]) -> list[int]:
        counts = []
        for receipt_id in receipt_ids:
            pk = store(receipt_id)
            with CaptureQueriesContext(connection) as queries:
                webhook_process_outcome(delivery_pk=pk)
            counts.append(len(queries))
        return counts

    timed(receipts[:warm])  # warm: the token, connections, prepared statements, imports
    first = receipts[warm : warm + deliveries]
    extra = receipts[warm + deliveries :]
    results = {}
    for kind, ids, counted_ids in (("first", first, extra), ("repeat", first, extra)):
        cpu, wall = timed(ids)
        counts = statements(counted_ids)
        results[kind] = {
            "cpu_ms": statistics.median(cpu),
            "wall_ms": statistics.median(wall),
            "statements": statistics.median(counts),
            "statements_max": max(counts),
            "deliveries": len(ids),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=300, help="per kind")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
    os.environ.setdefault("DEBUG", "0")
    emulator, base = start_emulator()
    try:
        import django

        django.setup()
        results = measure(args.deliveries, base)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    if args.json:
        print(json.dumps(results))
        return
    for kind, figures in results.items():
        print(
            f"{kind:>6}: {figures['cpu_ms']:.2f} ms CPU, {figures['wall_ms']:.2f} ms wall, "
            f"{figures['statements']:g} statements (max {figures['statements_max']}), "
            f"median of {figures['deliveries']}"
        )


if __name__ == "__main__":
    main()
