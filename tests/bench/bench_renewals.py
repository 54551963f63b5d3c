"""Renewal rate of real Celery workers: N due renewals charged at the emulator, by 1 worker, then by 2.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python tests/bench/bench_renewals.py [--renewals 2000] [--latency-ms 100] [--concurrency 4]

Runs on a throwaway test database (`test_<db>`); flushes the Redis database of REDIS_URL. N monthly
subscriptions are made through the services against the Bootpay emulator (their first periods charged
before the clock starts), then every charge with a billing key is delayed by `--latency-ms` (the
emulator's `latency` fault). For each round their renewal is made due, the workers (prefork,
`--concurrency` each) start, and the scheduler runs as beat would (`payments.tasks.charge_due_subscriptions`'s
body, every `--tick-s`) until every renewal is paid. The rate is renewals / (last paid - first tick), from
the rows, so worker start-up is not counted. The baseline of the same run is the ideal when only the PG's
answer costs time: worker slots / latency (40/s for 1 worker x 4, 80/s for 2); goal: ratio >= 0.8. The
ceilings (BILLING_CHARGE_CONCURRENCY, BILLING_CHARGES_PER_SECOND) are set not to bind. Afterwards it
checks that each subscription's period was charged exactly once (one receipt per period order at the
emulator, one enqueue per subscription). Speed is measured here, not in tests.

`renewal_rows(...)` runs this script in a subprocess and returns its rows for tests/bench/bench_table.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def renewal_rows(
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    renewals: int = 2000,
    latency_ms: int = 100,
    concurrency: int = 4,
) -> list[dict]:
    """The rows of `make bench` (figure, value, baseline, ratio, goal, met, note): renewals/s of 1 and 2
    workers against slots / latency. Runs this script (its own Django, workers and emulator)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    command = [sys.executable, str(Path(__file__).resolve()), "--json", "--renewals", str(renewals)]
    command += ["--latency-ms", str(latency_ms), "--concurrency", str(concurrency)]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renewals", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4, help="per worker (prefork)")
    parser.add_argument("--latency-ms", type=int, default=100, help="added to each charge at the emulator")
    parser.add_argument("--tick-s", type=float, default=10.0, help="the scheduler's interval")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (renewal_rows)")
    args = parser.parse_args()
    rows = measure(args)
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(
            f"  {row['figure']}: {row['value']} (ideal {row['baseline']}; ratio {row['ratio']:.2f}, "
            f"goal {row['goal']})"
        )


def measure(args) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    from orders.models import Seller
    from payments import gateway
    from payments.gateway import BootpayGateway
    from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY, SandboxServer
    from tests.billing_support import emulator_due_subscriptions
    from tests.workers.harness import flush_broker, publishing_to

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with SandboxServer(port=0).start() as server, publishing_to(settings.REDIS_URL):
            gateway.set_gateway(
                BootpayGateway(
                    mode="sandbox",
                    api_url=server.api_url,
                    application_id=SANDBOX_APPLICATION_ID,
                    private_key=SANDBOX_PRIVATE_KEY,
                    timeout_s=5.0,
                )
            )
            users = get_user_model().objects
            buyer = users.create_user("bench-buyer")
            seller = Seller.objects.create(user=users.create_user("bench-shop"), name="bench-shop")
            log(f"making {args.renewals} subscriptions (first periods charged at the emulator)")
            subscriptions = emulator_due_subscriptions(server, buyer, seller, args.renewals, tag="bench")
            server.state.add_fault(path="subscribe/payment", mode="latency", latency_s=args.latency_ms / 1000)
            log(
                f"{args.renewals} due renewals per round, prefork x{args.concurrency} per worker, each "
                f"charge {args.latency_ms} ms at the emulator; the machine's other load is not controlled"
            )
            rows = []
            for workers in (1, 2):
                slots = workers * args.concurrency
                alone = gateway_alone(server, slots, calls=min(args.renewals, 50 * slots))
                rate = renewal_round(server, subscriptions, args, workers, period=1 + workers)
                ideal = slots / (args.latency_ms / 1000)
                ratio = rate / ideal
                rows.append(
                    {
                        "figure": f"{args.renewals:,} due renewals, {args.latency_ms} ms PG latency, "
                        f"{workers} Celery worker(s) x {args.concurrency} + the scheduler",
                        "value": f"{rate:,.1f} renewals/s",
                        "baseline": f"{ideal:,.1f} renewals/s",
                        "ratio": ratio,
                        "goal": "≥ 0.8 of slots ÷ latency",
                        "met": ratio >= 0.8,
                        "note": f"ideal: worker slots / latency; the gateway + emulator alone on {slots} "
                        f"threads just before: {alone:,.1f}/s; each period charged once (checked)",
                    }
                )
                log(
                    f"{workers} worker(s): {rate:.1f} renewals/s (ideal {ideal:.0f}/s; ratio {ratio:.2f}; "
                    f"gateway + emulator alone on {slots} threads: {alone:.1f}/s)"
                )
            return rows
    finally:
        gateway.set_gateway(None)
        flush_broker(settings.REDIS_URL)
        connections.close_all()
        connection.creation.destroy_test_db(test_db, verbosity=0)


def gateway_alone(server, slots: int, *, calls: int) -> float:
    """Charges per second of the gateway and the emulator alone (no database, no Celery): `slots` threads
    charging the bench's card, each with its own SDK client, as the workers' slots would."""
    from concurrent.futures import ThreadPoolExecutor

    from payments.gateway import BootpayGateway
    from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY

    key = server.state.list_billing_keys()[0]["billing_key"]
    local = threading.local()

    def charge(n: int) -> None:
        if not hasattr(local, "gateway"):
            local.gateway = BootpayGateway(
                mode="sandbox",
                api_url=server.api_url,
                application_id=SANDBOX_APPLICATION_ID,
                private_key=SANDBOX_PRIVATE_KEY,
                timeout_s=5.0,
            )
        local.gateway.charge_billing_key(
            billing_key=key,
            order_id=f"ord_alone_{time.monotonic_ns()}_{n}",
            order_name="bench",
            price=1000,
            tax_free=0,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=slots) as pool:
        list(pool.map(charge, range(calls)))
    return calls / (time.monotonic() - started)


def renewal_round(server, subscriptions, args, workers: int, *, period: int) -> float:
    """Make `period` due for every subscription, start the workers, tick the scheduler until each is
    paid; the rate, after checking each was enqueued and charged once."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import connections
    from django.db.models import Max
    from django.utils import timezone

    from config.celery import app
    from payments.billing.models import Subscription, SubscriptionCharge
    from payments.billing.services import subscriptions_enqueue_due
    from payments.billing.tasks import enqueue_renewal
    from payments.events.services.dispatch import events_dispatch
    from tests.workers.harness import Worker, flush_broker, wait_until

    flush_broker(settings.REDIS_URL)
    while events_dispatch():  # what the set-up (or the last round) left: not this round's work
        pass
    pks = [s.pk for s in subscriptions]
    Subscription.objects.filter(pk__in=pks).update(next_charge_at=timezone.now() - timedelta(minutes=1))
    # The workers consume the queue renewals are routed to (per-workload queues: billing's own).
    queue = app.amqp.router.route({}, "payments.billing.tasks.charge_subscription", args=(), kwargs={})[
        "queue"
    ]
    started = [
        Worker(
            f"renewals{workers}-{i}",
            broker_url=settings.REDIS_URL,
            bootpay_api_url=server.api_url,
            pool="prefork",
            concurrency=args.concurrency,
            LOG_LEVEL=os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
            BOOTPAY_TIMEOUT_S=5,
            BILLING_CHARGE_CONCURRENCY=10_000,  # ceilings that do not bind
            BILLING_CHARGES_PER_SECOND=0,
        )
        for i in range(workers)
    ]
    for worker in started:
        worker.command += ["-Q", queue.name]
        worker.start()
    charges = SubscriptionCharge.objects.filter(subscription_id__in=pks, period=period)
    enqueued, done = [], threading.Event()

    def beat() -> None:  # the scheduler as beat runs it: a tick every --tick-s
        try:
            while not done.is_set():
                enqueued.append(subscriptions_enqueue_due(enqueue=enqueue_renewal))
                done.wait(args.tick_s)
        finally:
            connections.close_all()

    try:
        for worker in started:
            worker.wait_ready(timeout=60)
        first_tick = timezone.now()
        ticker = threading.Thread(target=beat)
        ticker.start()
        try:
            wait_until(
                lambda: charges.filter(state="paid").count() == len(pks),
                timeout=1800,
                what="every renewal paid",
                interval=2,
            )
        finally:
            done.set()
            ticker.join()
    finally:
        for worker in started:
            if os.environ.get("BENCH_KEEP_LOGS"):
                worker.stop()
                print(worker.log_path, file=sys.stderr)
            else:
                worker.close()
    last_paid = charges.aggregate(last=Max("updated_at"))["last"]
    assert sum(enqueued) == len(pks), (
        f"enqueued {sum(enqueued)} for {len(pks)} renewals over {len(enqueued)} ticks"
    )
    for charge in charges.select_related("order"):
        receipts = server.state.list_receipts(charge.order.order_id)
        assert len(receipts) == 1, (
            f"period {period} of subscription {charge.subscription_id}: {len(receipts)} charges"
        )
    assert charges.filter(attempts=1).count() == len(pks)
    return len(pks) / (last_paid - first_tick).total_seconds()


def log(message: str) -> None:
    print(f"[bench-renewals {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
