"""The chaos soak (`make soak`; docs/operations.md "The chaos soak").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python tests/soak/run_soak.py --seconds 120 [--json-out soak.json]

Makes a throwaway database `<db>_soak` (dropped and created again), starts a redis-server of its own on
a free port (or --redis-port), the emulator, gunicorn, two Celery workers and beat with production
settings (tests/soak/supervisor.py), drives mixed traffic (tests/soak/traffic.py) while injecting faults
(tests/soak/faults.py), then stops the traffic and the faults, lets the processes settle, runs one round
of the sweeps and reconcile, and checks our books against the emulator's (tests/soak/checks.py). Prints
a table; exits 1 when a check failed (2 when the soak could not run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests.soak import report  # noqa: E402


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 1200)))
    parser.add_argument("--threads", type=int, default=6, help="traffic threads")
    parser.add_argument("--fault-interval", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--redis-port", type=int, default=0, help="the soak's own redis-server (0: a free port)"
    )
    parser.add_argument("--web-port", type=int, default=0)
    parser.add_argument("--emulator-port", type=int, default=0)
    parser.add_argument("--json-out", type=Path, help="also write the summary as JSON here")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the processes' logs (kept anyway when a check failed)"
    )
    return parser.parse_args(argv)


def soak_database_url() -> str:
    url = os.environ.get("SOAK_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("error: the soak needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    parts = urllib.parse.urlsplit(url)
    if os.environ.get("SOAK_DATABASE_URL"):
        return url
    return urllib.parse.urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_soak"))


def recreate_database(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def renewal_clock(stop: threading.Event, counts: dict, interval: float = 8.0) -> threading.Thread:
    """Makes renewals come due during the soak: now and then some active subscriptions' next charge is
    moved to a minute ago, as if their period had run out (beat charges them within seconds)."""

    def loop() -> None:
        from django.db import OperationalError, close_old_connections, connection
        from django.db.models import F
        from django.utils import timezone

        from payments.billing.models import Subscription

        while not stop.wait(interval):
            try:
                close_old_connections()
                due = list(
                    Subscription.objects.filter(
                        status=Subscription.Status.ACTIVE, next_charge_at__gt=timezone.now()
                    )
                    .order_by("?")
                    .values_list("pk", flat=True)[:5]
                )
                moved = Subscription.objects.filter(pk__in=due, next_charge_at__gt=timezone.now()).update(
                    next_charge_at=timezone.now() - timedelta(minutes=1), updated_at=F("updated_at")
                )
                counts["renewals made due"] = counts.get("renewals made due", 0) + moved
            except OperationalError:  # our own backend terminated by the fault injector
                connection.close()
        connection.close()

    thread = threading.Thread(target=loop, name="soak-renewal-clock", daemon=True)
    thread.start()
    return thread


def settle(supervisor, env: dict, timeout: float = 90) -> dict:
    """After the traffic: wait for the emulator's webhooks and our deliveries to drain, then one round of
    the sweeps and reconcile as an operator would run them; again once what they sent has drained."""
    from tests.soak import collect
    from tests.workers.harness import wait_until

    def drained() -> bool:
        from django.db import close_old_connections

        from payments.models import WebhookDelivery

        close_old_connections()
        notifications = collect.emulator_get(supervisor.emulator_url, "notifications")["notifications"]
        sending = [n for n in notifications if n["state"] in {"sending", "held"}]
        waiting = WebhookDelivery.objects.filter(state__in=["received", "processing"]).count()
        return not sending and not waiting

    def wait_drained() -> None:
        try:
            wait_until(drained, timeout=timeout, what="webhooks drained", interval=1)
        except AssertionError as exc:
            log(f"settle: {exc}; the checks will say what is left")

    rounds = {}
    for n in (1, 2):
        wait_drained()
        rounds[f"process_webhooks --failed ({n})"] = manage(env, "process_webhooks", "--failed")
        rounds[f"reconcile --older-than 0 ({n})"] = manage(env, "reconcile", "--older-than", "0")
        time.sleep(3)  # what reconcile sent (a cancel again) is notified in the background
    wait_drained()
    return rounds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = soak_database_url()
    log_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    from tests.workers.harness import free_port

    redis_port = args.redis_port or free_port()
    web_port, emulator_port = args.web_port or free_port(), args.emulator_port or free_port()
    os.environ.update({"DATABASE_URL": database_url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"})
    from tests.soak.supervisor import SoakRedis, Supervisor, soak_environment

    env = soak_environment(
        database_url=database_url,
        redis_url=os.environ["REDIS_URL"],
        web_port=web_port,
        emulator_port=emulator_port,
    )
    os.environ.update({k: v for k, v in env.items() if k.isupper()})
    log(f"database {urllib.parse.urlsplit(database_url).path.lstrip('/')} (recreated), logs in {log_dir}")
    recreate_database(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")

    import django

    django.setup()
    from tests.soak import collect, seed
    from tests.soak.checks import run_checks
    from tests.soak.faults import FaultInjector
    from tests.soak.traffic import Tally, World, run_traffic

    redis = SoakRedis(redis_port, log_dir).start()
    supervisor = Supervisor(
        env=env, log_dir=log_dir, web_port=web_port, emulator_port=emulator_port, redis=redis
    )
    summary: dict = {"seconds": args.seconds, "seed": args.seed, "threads": args.threads}
    try:
        log("starting the emulator, gunicorn (2 workers), 2 Celery workers and beat")
        supervisor.start()
        world = World(web=supervisor.web_url, emulator=supervisor.emulator_url, **seed.seed_world())
        tally, clock_counts = Tally(), {}
        watch = collect.NotificationWatch(supervisor.emulator_url).start()
        injector = FaultInjector(
            supervisor, database_url=database_url, timeout_s=float(env["BOOTPAY_TIMEOUT_S"]),
            interval=tuple(args.fault_interval),
        )  # fmt: skip
        stop = threading.Event()
        log(f"traffic on {args.threads} threads and faults for {args.seconds:.0f} s (seed {args.seed})")
        started = time.monotonic()
        threads = run_traffic(world, tally, stop, threads=args.threads, seed=args.seed)
        threads.append(injector.run(stop, seed=args.seed))
        threads.append(renewal_clock(stop, clock_counts))
        while time.monotonic() - started < args.seconds and supervisor.fatal is None:
            time.sleep(1)
        if supervisor.fatal is not None:
            raise RuntimeError(supervisor.fatal)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        injector.clear()
        log("traffic and faults stopped; settling, then one round of sweeps and reconcile")
        summary["settle"] = settle(supervisor, env)
        scrape = collect.metrics_scrape(supervisor.web_url)  # while the web still answers
        supervisor.stop_supervised()
        data = collect.gather(supervisor.emulator_url, scrape, world.forged_receipt_ids, watch.stop())
        results = run_checks(data)
        summary |= report.summary(
            tally=tally,
            injected=injector.injected,
            injection_failed=injector.failed,
            restarts=supervisor.restarts,
            clock=clock_counts,
            results=results,
        )
        summary["fault_timeline"] = injector.timeline
    finally:
        supervisor.stop()
        redis.stop()
        from django.db import connections

        connections.close_all()
    print(report.table(summary))
    if args.json_out:
        args.json_out.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    if args.keep_logs or not summary.get("ok"):
        log(f"the processes' logs are in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # the soak could not run (a process would not start…): not a failed check
        traceback.print_exc()
        sys.exit(2)
