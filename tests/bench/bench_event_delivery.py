"""Partner webhook delivery rate of real Celery workers: N events to one endpoint, by 1 worker, then by 2.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python tests/bench/bench_event_delivery.py [--events 1000] [--orders 100] [--latency-ms 20]

Runs on a throwaway test database (`test_<db>`); flushes the Redis database of REDIS_URL. For each round:
N events over `--orders` orders (so order per order holds deliveries back, as in production), recorded
while no worker runs, then the workers start and dispatch, sign and POST each to a real receiver in this
process that verifies every signature with the `standardwebhooks` library and answers after
`--latency-ms`. The rate is events / (last delivered - first dispatched), from the rows themselves, so
worker start-up is not counted. The baseline of the same run is what the receiver alone takes: events ×
latency ÷ the worker slots (the ideal when only the partner's answer costs time). Asserts only that every
event arrived once and verified: speed is measured here, not in tests.
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
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from payments.events.models import Event, WebhookEndpointDelivery  # noqa: E402
from payments.events.services.outbox import event_record  # noqa: E402
from payments.events.services.partner_webhooks import webhook_endpoint_create  # noqa: E402
from payments.sandbox import SandboxServer  # noqa: E402
from tests.payments.events.webhook_partner_receiver import Receiver  # noqa: E402
from tests.workers.harness import Worker, flush_broker, publishing_to, wait_until  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=100, help="aggregates the events spread over")
    parser.add_argument("--concurrency", type=int, default=4, help="per worker (prefork)")
    parser.add_argument("--latency-ms", type=int, default=20, help="the receiver's answer time")
    args = parser.parse_args()
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    receiver = Receiver(delay_s=args.latency_ms / 1000)
    try:
        with SandboxServer(port=0).start() as server, publishing_to(settings.REDIS_URL):
            staff = get_user_model().objects.create_user("bench-ops", is_staff=True)
            _, secret = webhook_endpoint_create(actor=staff, url=receiver.url)
            receiver.secrets.append(secret)
            print(
                f"{args.events} events over {args.orders} orders per round, one staff endpoint, prefork "
                f"x{args.concurrency} per worker, receiver answers in {args.latency_ms} ms"
            )
            rates = {}
            for workers in (1, 2):
                rates[workers] = delivery_round(server, receiver, args, workers)
                ideal = workers * args.concurrency / (args.latency_ms / 1000) if args.latency_ms else 0
                note = (
                    f" (ideal {ideal:.0f}/s: slots / latency; ratio {rates[workers] / ideal:.2f})"
                    if ideal
                    else ""
                )
                print(f"  {workers} worker(s): {rates[workers]:8.1f} events/s{note}")
            print(f"  ratio 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    finally:
        receiver.stop()
        flush_broker(settings.REDIS_URL)
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def delivery_round(server, receiver: Receiver, args, workers: int) -> float:
    flush_broker(settings.REDIS_URL)
    WebhookEndpointDelivery.objects.all().delete()
    Event.objects.all().delete()
    receiver.accepted.clear()
    receiver.requests.clear()
    with transaction.atomic():  # recorded while no worker runs: the dispatch tasks wait in the queue
        for n in range(args.events):
            order = f"ord_bench{workers}_{n % args.orders}"
            event_record(
                type="pg_outcome.open",
                dedup_key=f"bench:{workers}:{n}",
                aggregate=f"order:{order}",
                data={"order_id": order, "n": n},
            )
    started = [
        Worker(
            f"events{workers}-{i}",
            broker_url=settings.REDIS_URL,
            bootpay_api_url=server.api_url,
            pool="prefork",
            concurrency=args.concurrency,
            LOG_LEVEL=os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
        ).start()
        for i in range(workers)
    ]
    try:
        wait_until(
            lambda: WebhookEndpointDelivery.objects.filter(state="succeeded").count() == args.events,
            timeout=900,
            what="every delivery",
            interval=0.5,
        )
    finally:
        for worker in started:
            if os.environ.get("BENCH_KEEP_LOGS"):
                worker.stop()
                print(worker.log_path)
            else:
                worker.close()
    assert not receiver.rejected, "a signature did not verify"
    assert len(set(receiver.accepted_ids())) == args.events, "not every event delivered"
    span = Event.objects.aggregate(first=Min("dispatched_at"))
    last = WebhookEndpointDelivery.objects.aggregate(last=Max("delivered_at"))["last"]
    return args.events / (last - span["first"]).total_seconds()


if __name__ == "__main__":
    main()
