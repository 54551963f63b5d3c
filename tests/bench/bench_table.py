"""`make bench`: the performance figures of issue 11 as one table, each with its baseline from the same run.

    .venv/bin/python tests/bench/bench_table.py [--orders 1000000] [--duration 5] [--rounds 3]

PostgreSQL from BENCH_DATABASE_URL (else DATABASE_URL; a server URL, its database name is ignored) and
Redis from REDIS_URL (default db 0 on 127.0.0.1). Creates two throwaway databases, `wtbench_big`
(`--orders` rows, generated with INSERT … SELECT generate_series) and `wtbench_small` (1,000 rows;
BENCH_PREFIX renames them), serves each with gunicorn (-w 2, gthread) on a free port of 127.0.0.1, loads
it with wrk (fixed duration, only 127.0.0.1) and drops both databases at the end. Figures are medians of
`--rounds` interleaved rounds. Asserts nothing: speed is measured here, not in tests.

The bare baseline view (one query, a JSON answer) exists only in tests/bench/urls.py, selected through
tests/bench/settings.py in the benchmark's gunicorn environment.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from base64 import b64decode, b64encode, urlsafe_b64decode, urlsafe_b64encode
from datetime import UTC
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
# Names of the throwaway databases and of the Redis queue: BENCH_PREFIX_big, BENCH_PREFIX_small, BENCH_PREFIX.
PREFIX = os.environ.get("BENCH_PREFIX", "wtbench")
BIG, SMALL = f"{PREFIX}_big", f"{PREFIX}_small"
QUEUE = PREFIX
BUYER_ORDERS = 200
OTHER_BUYERS = 1000
STATEMENT_SELLERS = 20
TOKENS = {"staff": "b" * 39 + "1", "buyer": "b" * 39 + "2", "seller": "b" * 39 + "3"}
GRAPHQL_QUERY = (
    "{ myOrders(first: 20) { edges { node { orderId status orderName totalAmount taxFreeAmount currency "
    "expiresAt paidAt createdAt items { id productName quantity unitPrice lineTotal isTaxFree status "
    "shipped seller { name } } } } } }"
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "error: make bench needs PostgreSQL: set BENCH_DATABASE_URL (or DATABASE_URL) "
            "to a postgres:// URL"
        )
    return url


def with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


# --- data ------------------------------------------------------------------------------------------


def create_databases(url: str, orders: int) -> None:
    admin = with_db(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in (BIG, SMALL):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BIG}")
    log(f"migrating {BIG}")
    env = {**os.environ, "DATABASE_URL": with_db(url, BIG), "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {SMALL} TEMPLATE {BIG}")
    for name, count in ((SMALL, 1000), (BIG, orders)):
        started = time.monotonic()
        seed(with_db(url, name), count)
        log(f"seeded {name}: {count:,} orders in {time.monotonic() - started:.0f} s")


def seed(url: str, orders: int) -> None:
    """Users (staff, one buyer with 200 orders, a seller, 1,000 other buyers), `orders` orders of one line."""
    every = orders // BUYER_ORDERS
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined)
            SELECT g, '!', false, CASE g WHEN 1 THEN 'bench-staff' WHEN 2 THEN 'bench-buyer'
                                         WHEN 3 THEN 'bench-seller' ELSE 'bench-user-' || g END,
                   '', '', '', g = 1, true, now()
            FROM generate_series(1, %s) g
            """,
            [3 + OTHER_BUYERS],
        )
        conn.execute(
            "INSERT INTO orders_seller (id, user_id, name, created_at, updated_at) "
            "VALUES (1, 3, 'bench shop', now(), now())"
        )
        conn.execute(
            "INSERT INTO orders_product (id, seller_id, name, price, is_tax_free, stock, is_active, "
            "adult_only, subscription_interval, trial_days, created_at, updated_at) "
            "VALUES (1, 1, 'bench product', 10000, false, 1000000000, true, false, '', 0, now(), now())"
        )
        conn.execute(
            """
            INSERT INTO orders_order (id, created_at, updated_at, order_id, buyer_id, status, order_name,
                                      total_amount, tax_free_amount, currency, expires_at, paid_at,
                                      seller_count)
            SELECT g, t, t, 'ord_' || substr(md5(g::text), 1, 24),
                   CASE WHEN g %% %(every)s = 0 THEN 2 ELSE 4 + g %% %(others)s END,
                   CASE WHEN g %% 2 = 0 THEN 'paid' ELSE 'pending_payment' END, 'bench order',
                   10000, 0, 'KRW', t + interval '1 day', CASE WHEN g %% 2 = 0 THEN t END, 1
            FROM (SELECT g, now() - (%(n)s - g) * interval '1 second' AS t
                  FROM generate_series(1, %(n)s) g) s
            """,
            {"every": every, "others": OTHER_BUYERS, "n": orders},
        )
        conn.execute(
            """
            INSERT INTO orders_orderitem (id, order_id, product_id, seller_id, product_name, quantity,
                                          unit_price, is_tax_free, status, shipped, holds_stock,
                                          courier, tracking_number)
            SELECT g, g, 1, CASE WHEN g %% 2 = 0 THEN 1 + g %% %s ELSE 1 END, 'bench product', 1,
                   10000, false,
                   CASE WHEN g %% 2 = 0 THEN 'paid' ELSE 'pending_payment' END, false, true, '', ''
            FROM generate_series(1, %s) g
            """,
            [STATEMENT_SELLERS, orders],
        )
        conn.execute(  # each order's row in its seller's list (as orders.services.order_lines_create writes)
            "INSERT INTO orders_sellerorder (seller_id, order_id, created_at) "
            "SELECT i.seller_id, i.order_id, o.created_at "
            "FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id"
        )
        conn.execute(
            "INSERT INTO authtoken_token (key, user_id, created) "
            "VALUES (%s, 1, now()), (%s, 2, now()), (%s, 3, now())",
            [TOKENS["staff"], TOKENS["buyer"], TOKENS["seller"]],
        )
        seed_statement_data(conn, orders)
        for table in (
            "auth_user",
            "orders_seller",
            "orders_product",
            "orders_order",
            "orders_orderitem",
            "payments_payment",
            "payments_cancellation",
            "payments_cancellationshare",
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    seed_statement_rollups(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def seed_statement_rollups(url: str) -> None:
    """The rows above were written in SQL, past the money services: the rollups' backfill books them and
    folds them, as the data migration does for the payments made before the rollups existed."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run(
        [PY, "manage.py", "statement_rollups_rebuild", "--backfill"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def seed_statement_data(conn, orders: int) -> None:
    """What a statement reads: a payment per paid order (sold at its creation), one in ten partly refunded
    an hour later (a share charged to the line's seller), and the lines spread over STATEMENT_SELLERS
    sellers (the first owns the bench product and the seller token's user). Orders are a second apart,
    so a million of them fit in 30 days: the statement's period holds every sale."""
    conn.execute(
        """
        INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                               is_staff, is_active, date_joined)
        SELECT g, '!', false, 'bench-seller-' || g, '', '', '', false, true, now()
        FROM generate_series(%(first)s::int, %(last)s::int) g
        """,
        {"first": 4 + OTHER_BUYERS, "last": 4 + OTHER_BUYERS + STATEMENT_SELLERS - 2},
    )
    conn.execute(
        "INSERT INTO orders_seller (id, user_id, name, created_at, updated_at) "
        "SELECT s, %s + s - 2, 'bench shop ' || s, now(), now() FROM generate_series(2, %s::int) s",
        [4 + OTHER_BUYERS, STATEMENT_SELLERS],
    )
    conn.execute(
        """
        INSERT INTO payments_payment (id, public_id, order_id, receipt_id, status, amount, tax_free_amount,
                                      cancelled_amount, cancelled_tax_free_amount, method, method_name, pg,
                                      sandbox, raw_receipt, purchased_at, created_at, updated_at, escrow)
        SELECT o.id, 'pay_' || substr(md5(o.id::text), 1, 24), o.id, 'rcpt_' || o.id,
               CASE WHEN o.id % 20 = 4 THEN 'partially_cancelled' ELSE 'paid' END, 10000, 0,
               CASE WHEN o.id % 20 = 4 THEN 5000 ELSE 0 END, 0, 'card', '카드', 'bench', true, '{}',
               o.paid_at, o.paid_at, o.paid_at, false
        FROM orders_order o WHERE o.status = 'paid'
        """
    )
    conn.execute(
        """
        INSERT INTO payments_cancellation (id, payment_id, cancel_id, idempotency_key, request_fingerprint,
                                           amount, tax_free_amount, reason, refund_account, state,
                                           pg_response, error_code, created_at, completed_at)
        SELECT p.id, p.id, 'cx_' || md5(p.id::text), NULL, '', 5000, 0, 'bench refund', '{}', 'succeeded',
               '{}', '', p.purchased_at + interval '1 hour', p.purchased_at + interval '1 hour'
        FROM payments_payment p WHERE p.status = 'partially_cancelled'
        """
    )
    conn.execute(
        """
        INSERT INTO payments_cancellationshare (id, cancellation_id, seller_id, amount, tax_free_amount)
        SELECT c.id, c.id, i.seller_id, 5000, 0
        FROM payments_cancellation c JOIN orders_orderitem i ON i.order_id = c.payment_id
        """
    )


def buyer_order_id(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT order_id FROM orders_order WHERE buyer_id = 2 ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]


# --- servers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, database_url: str, connections: str, logdir: Path, **extra_env: str):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "BENCH_CONNECTIONS": connections,
            "BENCH_CELERY_QUEUE": QUEUE,
            "DEBUG": "0",
            # The product's gunicorn config (config/gunicorn.conf.py) with 2 workers of 4 threads, bound
            # to 127.0.0.1; workers are not recycled mid-run (a restart would land in one figure only).
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_MAX_REQUESTS": "0",
            # A listening socket per worker: the kernel spreads wrk's keep-alive connections over both
            # workers. With one shared socket, whichever worker woke first often accepted all of them,
            # and a figure measured one worker or two at random (the bare view flipped 1,000/2,200 req/s).
            "GUNICORN_REUSE_PORT": "1",
            # The throttles still run (their cost is measured); their limits must not answer 429 here.
            "THROTTLE_RATE_ANON": "100000000/min",
            "THROTTLE_RATE_USER": "100000000/min",
            "THROTTLE_RATE_BOOTPAY_WEBHOOK": "100000000/min",
            # Metrics as the product ships them (on, this process's registry), unless a server says otherwise.
            "METRICS_ENABLED": "1",
            **extra_env,
        }
        if "PROMETHEUS_MULTIPROC_DIR" not in extra_env:  # only the multiprocess server writes files
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log = open(logdir / f"{name}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"error: gunicorn {self.name} exited; see its log {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        sys.exit(f"error: gunicorn {self.name} did not answer /healthz")

    def get(self, path: str, token: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Token {token}"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


# --- load ------------------------------------------------------------------------------------------

LUA = """
wrk.method = %(method)s
wrk.headers["Content-Type"] = "application/json"
%(auth)s
%(body)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


class Load:
    def __init__(self, tmp: Path, duration: int):
        self.tmp = tmp
        self.duration = duration
        self.count = 0

    def run(self, server: Server, path: str, *, token=None, body=None, connections=4) -> dict:
        self.count += 1
        script = self.tmp / f"load{self.count}.lua"
        script.write_text(
            LUA
            % {
                "method": json.dumps("POST" if body is not None else "GET"),
                "auth": f'wrk.headers["Authorization"] = "Token {token}"' if token else "",
                "body": f"wrk.body = {json.dumps(body)}" if body is not None else "",
            }
        )
        threads = min(2, connections)
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{self.duration}s",
                "--timeout",
                "30s",
                "--latency",
                "-s",
                str(script),
                server.base + path,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=self.duration + 60,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("BENCH "))
        requests, duration_us, non2xx, errors, p50, p99 = (int(x) for x in line.split()[1:])
        if non2xx or errors or not requests:
            log(
                f"warning: {server.name} {path}: {requests} requests, {non2xx} non-2xx, "
                f"{errors} socket errors"
            )
        return {
            "rps": requests / (duration_us / 1e6),
            "p50_ms": p50 / 1000,
            "p99_ms": p99 / 1000,
            "bad": non2xx + errors,
        }


# --- the staff list's last page, as the API offers it ----------------------------------------------


def staff_last_page(server: Server, big_url: str) -> tuple[str, str]:
    """(path, how) of the staff list's last page at the big database."""
    first = server.get("/api/v1/orders/", TOKENS["staff"])
    next_link = first.get("next") or ""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_link).query)
    if "page" in query:
        # Staff see every order: the count from the table itself (the API's may be capped or estimated).
        with psycopg.connect(big_url) as conn:
            total = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]
        last = math.ceil(total / len(first["results"]))
        return f"/api/v1/orders/?page={last}", f"OFFSET page {last:,} of `?page=`"
    if "cursor" in query:
        # The last page is what walking `next` to the end reaches: the page after the 21st-oldest order.
        # Walking a million rows 20 at a time is no benchmark, so the cursor of page 1's `next` is
        # re-pointed from page 1's last row to that order (the sort key written the same way), and kept only
        # if the API answers it with the oldest orders and no `next`.
        size = len(first["results"])
        with psycopg.connect(big_url) as conn:
            seen = conn.execute(
                "SELECT created_at, id FROM orders_order WHERE order_id = %s",
                [first["results"][-1]["order_id"]],
            ).fetchone()
            target, oldest = (
                conn.execute(
                    "SELECT created_at, id, order_id FROM orders_order "
                    "ORDER BY created_at, id OFFSET %s LIMIT 1",
                    [offset],
                ).fetchone()
                for offset in (size, 0)
            )
        crafted = repoint_cursor(query["cursor"][0], seen, target)
        if crafted:
            path = f"/api/v1/orders/?cursor={urllib.parse.quote(crafted)}"
            try:
                page = server.get(path, TOKENS["staff"])
                results = page.get("results") or []
                if len(results) == size and not page.get("next") and results[-1]["order_id"] == oldest[2]:
                    return path, "cursor at the 21st-oldest order (the real last page, as `next` reaches it)"
            except OSError:
                pass
        # A cursor we cannot position: the deepest page walking `next` 20 times reaches.
        path = urllib.parse.urlsplit(next_link)
        for _ in range(19):
            page = server.get(f"{path.path}?{path.query}", TOKENS["staff"])
            if not page.get("next"):
                break
            path = urllib.parse.urlsplit(page["next"])
        return f"{path.path}?{path.query}", "page 21, walked through `next` cursors (cursor not positionable)"
    return "/api/v1/orders/", "no deeper page offered"


def repoint_cursor(cursor: str, seen: tuple, target: tuple) -> str | None:
    """`cursor` (base64 text holding the sort key of row `seen`) pointing at row `target` instead."""
    padded = cursor + "=" * (-len(cursor) % 4)
    for decode, encode in ((urlsafe_b64decode, urlsafe_b64encode), (b64decode, b64encode)):
        try:
            text = decode(padded.encode()).decode("ascii")
        except ValueError:
            continue
        for shape in (
            lambda moment: moment.astimezone(UTC).isoformat(),
            lambda moment: str(moment.astimezone(UTC)),
        ):
            if shape(seen[0]) in text:
                pk = re.compile(rf"(?<![0-9]){seen[1]}(?![0-9])")
                text = shape(target[0]).join(
                    pk.sub(str(target[1]), part) for part in text.split(shape(seen[0]))
                )
                raw = encode(text.encode()).decode()
                return raw.rstrip("=") if not cursor.endswith("=") else raw
    return None


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1_000_000)))
    parser.add_argument(
        "--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)), help="s per run"
    )
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(
            "error: make bench needs wrk (HTTP load generator): apt-get install wrk (or brew install wrk)"
        )
    url = server_url()
    # A SIGTERM (a CI timeout, `kill`) still stops the servers and drops the databases.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="wtbench-"))
    servers: list[Server] = []
    started = time.monotonic()
    try:
        create_databases(url, args.orders)
        big = Server("big-persistent", with_db(url, BIG), "persistent", tmp)
        small = Server("small-persistent", with_db(url, SMALL), "persistent", tmp)
        fresh = Server("big-new-connection", with_db(url, BIG), "new", tmp)
        # The metrics' overhead (docs/operations.md, "Metrics"): the big server again with metrics off, and
        # in multiprocess mode (every worker writing its counters to files, as in production).
        (tmp / "metrics").mkdir()
        unmetered = Server("big-metrics-off", with_db(url, BIG), "persistent", tmp, METRICS_ENABLED="0")
        multiprocess = Server(
            "big-metrics-multiprocess",
            with_db(url, BIG),
            "persistent",
            tmp,
            PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
        )
        servers = [big, small, fresh, unmetered, multiprocess]
        for server in servers:
            server.wait_ready()
        table = measure(args, url, big, small, fresh, Load(tmp, args.duration), unmetered, multiprocess)
        table += renewal_figures(url)
        print_table(args, table, time.monotonic() - started)
    finally:
        for server in servers:
            server.stop()
        with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
            for name in (BIG, SMALL):
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        drop_queue()
        if args.keep_logs:
            log(f"server logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def renewal_figures(url: str) -> list[dict]:
    """Renewals/s of real Celery workers (tests/bench/bench_renewals.py, its own throwaway database and the
    sandbox emulator); it flushes the Redis database of REDIS_URL, so it runs after the HTTP loads."""
    from bench_renewals import renewal_rows  # beside this script (run as a file)

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        log("warning: no REDIS_URL: the renewal rows (real Celery workers) are not measured")
        return []
    log("renewals: 1 then 2 Celery workers ...")
    return renewal_rows(
        database_url=url, redis_url=redis_url, renewals=int(os.environ.get("BENCH_RENEWALS", 2000))
    )


def drop_queue() -> None:
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        keys = [key for key in client.scan_iter(f"*{QUEUE}*") if QUEUE in key.decode(errors="replace")]
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:
        log(f"warning: could not delete the Redis queue {QUEUE}: {exc}")


def measure(
    args, url, big: Server, small: Server, fresh: Server, load: Load, unmetered: Server, multiprocess: Server
) -> list[dict]:
    buyer, staff = TOKENS["buyer"], TOKENS["staff"]
    order_big = buyer_order_id(with_db(url, BIG))
    detail = f"/api/v1/orders/{order_big}/"
    last_path, last_how = staff_last_page(big, with_db(url, BIG))
    webhook = json.dumps({"receipt_id": "wtbench_receipt", "status": 1, "webhook_type": "PAYMENT"})
    graphql = json.dumps({"query": GRAPHQL_QUERY})
    # Sanity: the same 20 orders both ways.
    rest_ids = [o["order_id"] for o in small.get("/api/v1/orders/", buyer)["results"]]
    request = urllib.request.Request(
        small.base + "/graphql/",
        data=graphql.encode(),
        method="POST",
        headers={"Authorization": f"Token {buyer}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        gql = json.loads(response.read())
    gql_ids = [edge["node"]["orderId"] for edge in gql["data"]["myOrders"]["edges"]]
    if gql_ids != rest_ids:
        log("warning: GraphQL myOrders(first: 20) and REST page 1 differ in their orders")

    runs = {
        "buyer_big": lambda: load.run(big, "/api/v1/orders/", token=buyer, connections=1),
        "buyer_small": lambda: load.run(small, "/api/v1/orders/", token=buyer, connections=1),
        "staff_big": lambda: load.run(big, "/api/v1/orders/", token=staff, connections=1),
        "staff_small": lambda: load.run(small, "/api/v1/orders/", token=staff, connections=1),
        "staff_last": lambda: load.run(big, last_path, token=staff, connections=1),
        # 16 connections: with a socket per worker (GUNICORN_REUSE_PORT) both workers get several.
        "detail": lambda: load.run(big, detail, token=buyer, connections=16),
        "bare": lambda: load.run(big, f"/__bench__/bare/?o={order_big}", connections=16),
        "graphql": lambda: load.run(small, "/graphql/", token=buyer, body=graphql, connections=8),
        "rest_list": lambda: load.run(small, "/api/v1/orders/", token=buyer, connections=8),
        "detail_new_conn": lambda: load.run(fresh, detail, token=buyer, connections=8),
        "webhook": lambda: load.run(big, "/api/v1/webhooks/bootpay/", body=webhook, connections=50),
        "bare_50": lambda: load.run(big, f"/__bench__/bare/?o={order_big}", body=webhook, connections=50),
        "buyer_big_metrics_off": lambda: load.run(unmetered, "/api/v1/orders/", token=buyer, connections=1),
        "buyer_big_multiprocess": lambda: load.run(
            multiprocess, "/api/v1/orders/", token=buyer, connections=1
        ),
        "webhook_metrics_off": lambda: load.run(
            unmetered, "/api/v1/webhooks/bootpay/", body=webhook, connections=50
        ),
        "webhook_multiprocess": lambda: load.run(
            multiprocess, "/api/v1/webhooks/bootpay/", body=webhook, connections=50
        ),
    }
    log("warming up (1 s of each load)")
    duration, load.duration = load.duration, 1
    for run in runs.values():
        run()
    load.duration = duration
    results: dict[str, list[dict]] = {name: [] for name in runs}
    for round_ in range(1, args.rounds + 1):
        log(f"round {round_}/{args.rounds}")
        for name, run in runs.items():
            results[name].append(run())

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    def row(figure, value, baseline, unit, goal, ok, note=""):
        ratio = value / baseline if baseline else float("nan")
        return {
            "figure": figure,
            "value": f"{value:,.1f} {unit}",
            "baseline": f"{baseline:,.1f} {unit}",
            "ratio": ratio,
            "goal": goal,
            "met": ok(ratio),
            "note": note,
        }

    for name, rounds in results.items():
        if any(r["bad"] for r in rounds):
            log(f"warning: {name} had non-2xx answers or socket errors: {[r['bad'] for r in rounds]}")
    n = f"{args.orders:,}"
    persistent = product_persistence()
    statements = statement_figures(big, with_db(url, BIG), args.rounds)
    cost = webhook_cost_figures(with_db(url, BIG))
    return [
        row(
            f"buyer GET /api/v1/orders/ page 1 (p50): {n} ÷ 1,000 orders",
            med("buyer_big", "p50_ms"),
            med("buyer_small", "p50_ms"),
            "ms",
            "≤ 1.3×",
            lambda r: r <= 1.3,
            "buyer has 200 orders in both",
        ),
        row(
            f"staff order list page 1 (p50): {n} ÷ 1,000",
            med("staff_big", "p50_ms"),
            med("staff_small", "p50_ms"),
            "ms",
            "≤ 1.3×",
            lambda r: r <= 1.3,
        ),
        row(
            f"staff list last page ÷ first page at {n} (p50)",
            med("staff_last", "p50_ms"),
            med("staff_big", "p50_ms"),
            "ms",
            "≤ 1.2×",
            lambda r: r <= 1.2,
            last_how,
        ),
        row(
            "REST order detail ÷ bare JSON view, 1 query (req/s, persistent)",
            med("detail", "rps"),
            med("bare", "rps"),
            "req/s",
            "≥ 0.5",
            lambda r: r >= 0.5,
            f"{n} orders, 16 connections; bare view per round: "
            + ", ".join(f"{r['rps']:,.0f}" for r in results["bare"]),
        ),
        row(
            "GraphQL myOrders(first: 20) ÷ REST list of the same 20 (req/s)",
            med("graphql", "rps"),
            med("rest_list", "rps"),
            "req/s",
            "≥ 0.8",
            lambda r: r >= 0.8,
            "1,000-order db, 8 connections",
        ),
        row(
            "order detail: persistent ÷ new PostgreSQL connection per request (req/s)",
            med("detail", "rps"),
            med("detail_new_conn", "rps"),
            "req/s",
            "persistent by default",
            lambda r: persistent,
            f"product default: {persistence_label(persistent)}; "
            f"p50 {med('detail_new_conn', 'p50_ms'):,.1f} ms "
            f"new vs {med('detail', 'p50_ms'):,.1f} ms persistent",
        ),
        row(
            "webhook ack p99 ÷ bare view p99, 50 concurrent senders",
            med("webhook", "p99_ms"),
            med("bare_50", "p99_ms"),
            "ms",
            "≤ 1.2×",
            lambda r: r <= 1.2,
            "POST, persistent; queue not drained here; bare p99 per round: "
            + ", ".join(f"{r['p99_ms']:,.1f}" for r in results["bare_50"]),
        ),
        *webhook_cost_rows(cost),
        *metrics_overhead_rows(med, row),
        row(
            f"staff statement, every seller, 30 days at {n} orders, in process ÷ one SQL SUM over the "
            "period's rollups (same connection)",
            statements["staff_in_process_ms"],
            statements["sum_in_process_ms"],
            "ms",
            "≤ 2×",
            lambda r: r <= 2,
            f"{statements['sales']:,} sales and {statements['refunds']:,} refunds in the period, "
            f"{STATEMENT_SELLERS} sellers; the selector: rollups + unfolded bookings with names, the "
            f"cash-receipt query (1: no standing receipt here); median of {statements['samples']}",
        ),
        row(
            f"its sales and refunds query (rollups + unfolded bookings, every seller's days with names), "
            f"30 days at {n} orders, in process ÷ the same SUM",
            statements["rows_in_process_ms"],
            statements["sum_in_process_ms"],
            "ms",
            "≤ 2×",
            lambda r: r <= 2,
            "what the statement reads of sales and refunds; the rest of the selector is the cash-receipt "
            "query (raw rows) and building the answer in Python",
        ),
        row(
            f"staff statement, 30 days, in process: {n} ÷ 1,000 orders",
            statements["staff_in_process_ms"],
            statements["small_in_process_ms"],
            "ms",
            "≤ 1.3× (flat as the table grows)",
            lambda r: r <= 1.3,
            "both databases hold every seller's 30 days",
        ),
        row(
            f"staff statement over HTTP (single requests), 30 days at {n} orders ÷ one SQL SUM over the "
            "period's rollups",
            statements["staff_ms"],
            statements["floor_ms"],
            "ms",
            "— (a request has its floor)",
            lambda r: True,
            f"the bare JSON view answers in {statements['bare_ms']:,.1f} ms the same way; median of "
            f"{statements['samples']} requests",
        ),
        row(
            f"one seller's own statement, 30 days at {n} orders, in process ÷ the staff statement",
            statements["seller_in_process_ms"],
            statements["staff_in_process_ms"],
            "ms",
            "≤ 1 (reads its own rows)",
            lambda r: r <= 1,
            f"the seller holds 1/{STATEMENT_SELLERS} of the lines; "
            f"over HTTP {statements['seller_ms']:,.1f} ms",
        ),
    ]


def metrics_overhead_rows(med, row) -> list[dict]:
    """The metrics' cost (django-prometheus's middleware and database cursors, our counters): the same loads
    on the big database with METRICS_ENABLED=0, on (this process's registry) and in multiprocess mode."""
    rows = []
    for mode, suffix in (("on", ""), ("multiprocess mode", "_multiprocess")):
        list_name, ack_name = f"buyer_big{suffix}", f"webhook{suffix}"
        rows += [
            row(
                f"metrics {mode} ÷ off: buyer GET /api/v1/orders/ page 1 (p50)",
                med(list_name, "p50_ms"),
                med("buyer_big_metrics_off", "p50_ms"),
                "ms",
                "≤ 1.1×",
                lambda r: r <= 1.1,
                f"req/s {med(list_name, 'rps'):,.0f} on vs {med('buyer_big_metrics_off', 'rps'):,.0f} off, "
                "1 connection",
            ),
            row(
                f"metrics {mode} ÷ off: webhook ack p99, 50 concurrent senders",
                med(ack_name, "p99_ms"),
                med("webhook_metrics_off", "p99_ms"),
                "ms",
                "≤ 1.1×",
                lambda r: r <= 1.1,
                f"req/s {med(ack_name, 'rps'):,.0f} on vs {med('webhook_metrics_off', 'rps'):,.0f} off",
            ),
        ]
    return rows


STATEMENT_IN_PROCESS = """
import json, statistics, sys, time
from datetime import date
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from payments.statements.selectors import seller_statement, staff_statement, statement_rollup_rows
start, end, samples = date.fromisoformat(sys.argv[1]), date.fromisoformat(sys.argv[2]), int(sys.argv[3])
seller = get_user_model().objects.get(username="bench-seller")
SUM = (
    "SELECT sum(sales_count), sum(sales_taxable + sales_tax_free), sum(refunds_count), "
    "sum(refunds_taxable + refunds_tax_free) FROM statements_sellerdayrollup WHERE day >= %s AND day <= %s"
)
def rollup_sum():
    with connection.cursor() as cursor:
        cursor.execute(SUM, [start, end])
        return cursor.fetchone()
def timed(call):
    call()
    times = []
    for _ in range(samples):
        begun = time.perf_counter()
        call()
        times.append((time.perf_counter() - begun) * 1000)
    return statistics.median(times)
print(json.dumps({
    "sum": timed(rollup_sum),
    "rows": timed(lambda: statement_rollup_rows(start, end)),
    "staff": timed(lambda: staff_statement(date_from=start, date_to=end)),
    "seller": timed(lambda: seller_statement(user=seller, date_from=start, date_to=end)),
}))
"""


def statement_in_process(url: str, start, end, samples: int) -> dict:
    """Medians (ms) of the statement selectors and of one SQL SUM over the period's rollups, timed in one
    Django process on one connection: the selector's cost without the request's own floor."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false"}
    result = subprocess.run(
        [PY, "-c", STATEMENT_IN_PROCESS, start.isoformat(), end.isoformat(), str(samples)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def statement_figures(server: Server, big_url: str, rounds: int) -> dict:
    """The 30-day statement, staff and seller: in process (selector vs one SQL SUM over the period's
    rollups, same connection; at the big and the small database) and over HTTP (single sequential
    requests, beside the bare view's). Medians."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    seoul = ZoneInfo("Asia/Seoul")
    today = datetime.now(seoul).date()
    start = today - timedelta(days=29)
    path = f"/api/v1/statements/?from={start.isoformat()}&to={today.isoformat()}"
    since = datetime.combine(start, datetime.min.time(), tzinfo=seoul)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=seoul)
    samples = max(5, 2 * rounds)

    def timed(call) -> float:
        call()  # warm: plans, caches, the connection
        times = []
        for _ in range(samples):
            begun = time.perf_counter()
            call()
            times.append((time.perf_counter() - begun) * 1000)
        return statistics.median(times)

    staff = server.get(path, TOKENS["staff"])
    seller = server.get(path, TOKENS["seller"])
    if not staff.get("total") or len(seller.get("sellers") or []) != 1:
        log("warning: the statement answers do not have the expected shape")
    with psycopg.connect(big_url) as conn:
        floor_sql = (
            "SELECT sum(sales_count), sum(sales_taxable + sales_tax_free), sum(refunds_count), "
            "sum(refunds_taxable + refunds_tax_free) FROM statements_sellerdayrollup "
            "WHERE day >= %s AND day <= %s"
        )
        floor_ms = timed(lambda: conn.execute(floor_sql, [start, today]).fetchone())
        sales = conn.execute(
            "SELECT count(*) FROM payments_payment WHERE purchased_at >= %s AND purchased_at < %s "
            "AND status IN ('paid', 'partially_cancelled', 'cancelled')",
            [since, until],
        ).fetchone()[0]
        refunds = conn.execute(
            "SELECT count(*) FROM payments_cancellation WHERE state = 'succeeded' "
            "AND completed_at >= %s AND completed_at < %s",
            [since, until],
        ).fetchone()[0]
        order = conn.execute("SELECT order_id FROM orders_order ORDER BY id LIMIT 1").fetchone()[0]
    big = statement_in_process(big_url, start, today, samples)
    small = statement_in_process(with_db(big_url, SMALL), start, today, samples)
    return {
        "staff_ms": timed(lambda: server.get(path, TOKENS["staff"])),
        "seller_ms": timed(lambda: server.get(path, TOKENS["seller"])),
        "bare_ms": timed(lambda: server.get(f"/__bench__/bare/?o={order}", TOKENS["staff"])),
        "floor_ms": floor_ms,
        "staff_in_process_ms": big["staff"],
        "seller_in_process_ms": big["seller"],
        "sum_in_process_ms": big["sum"],
        "rows_in_process_ms": big["rows"],
        "small_in_process_ms": small["staff"],
        "sales": sales,
        "refunds": refunds,
        "samples": samples,
    }


def webhook_cost_figures(big_url: str) -> dict:
    """The worker's cost per webhook delivery, in-process (tests/bench/bench_webhook_cost.py, on the big
    database; its emulator runs as a process of its own)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": big_url,
        "BENCH_CELERY_QUEUE": QUEUE,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    out = subprocess.run(
        [PY, "tests/bench/bench_webhook_cost.py", "--deliveries", "300", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def webhook_cost_rows(cost: dict) -> list[dict]:
    """One row per kind of delivery: CPU ms against the goal of 3 ms (the ratio), statements in the note."""
    labels = {
        "repeat": "a receipt already applied (after verify, or a repeat)",
        "first": "the first notice of a paid receipt nobody verified (pays the order)",
    }
    rows = []
    for kind in ("repeat", "first"):
        figures = cost[kind]
        rows.append(
            {
                "figure": f"webhook processing per delivery, in-process: {labels[kind]} (CPU)",
                "value": f"{figures['cpu_ms']:,.2f} ms",
                "baseline": "goal 3.00 ms",
                "ratio": figures["cpu_ms"] / 3,
                "goal": "≤ 3 ms CPU, ≤ 10 statements",
                "met": figures["cpu_ms"] <= 3 and figures["statements"] <= 10,
                "note": f"{figures['statements']:g} SQL statements (BEGIN/COMMIT included), "
                f"{figures['wall_ms']:,.1f} ms wall; median of {figures['deliveries']}",
            }
        )
    return rows


def product_persistence() -> bool:
    """Whether the product's own settings keep database connections (a pool or CONN_MAX_AGE > 0)."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(bool(d.get('OPTIONS', {}).get('pool')) or bool(d.get('CONN_MAX_AGE')))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": with_db(server_url(), BIG),
    }
    env.pop("DB_CONN_MAX_AGE", None)
    out = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return out.strip() == "True"


def persistence_label(persistent: bool) -> str:
    return "persistent" if persistent else "new connection per request (CONN_MAX_AGE=0)"


def print_table(args, table: list[dict], elapsed: float) -> None:
    print()
    print(
        f"make bench: {args.orders:,} orders, gunicorn -w 2 gthread, wrk {args.duration} s per run, "
        f"median of {args.rounds} interleaved rounds ({elapsed / 60:.1f} min)"
    )
    print()
    print("| figure | measured | baseline (same run) | ratio | goal | met | note |")
    print("|---|---|---|---|---|---|---|")
    for r in table:
        print(
            f"| {r['figure']} | {r['value']} | {r['baseline']} | {r['ratio']:.2f} | {r['goal']} | "
            f"{'yes' if r['met'] else 'no'} | {r['note']} |"
        )


if __name__ == "__main__":
    main()
