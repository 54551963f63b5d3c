"""CPU per request of a buyer's order list: GraphQL `myOrders(first: 20)` and REST `GET /api/v1/orders/`
(make bench's GraphQL row and its baseline), and of the Bootpay webhook ack (`webhook`: the notice stored
and answered), measured per request in this process rather than as req/s. With METRICS_ENABLED=0 or
PROMETHEUS_MULTIPROC_DIR set in the environment it measures the metrics' cost (docs/operations.md).

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python tests/bench/bench_list_cpu.py
        [--requests 300] [--callgrind] [--profile graphql|rest]

Each request goes through Django's WSGI handler as gunicorn calls it (middleware, token auth, throttles,
the view or the GraphQL executor, rendering, the response closed) with tests/bench/settings.py, against a
throwaway database `<DATABASE_URL's name>_listcpu` (migrated and seeded on first use, ORM only so any
revision's schema takes it: one buyer with 200 orders of one line among 1,000, one shop; kept for the next
run, `--fresh` rebuilds it). Both lists are warmed up first.

Default: CPU time (`time.process_time`) and SQL statements per request, each list alone, and the CPU
time of the connection's PostgreSQL backend (from /proc, when it runs here) over the same requests. CPU
time is still noisy under load (caches, frequency, 10 ms clock ticks for the backend).
`--callgrind`: instructions per request, which load does not move: each list runs under
`valgrind --tool=callgrind`, counting only its `--requests` requests after the warm-up (slow: 50 requests
of each take minutes). `--profile`: a cProfile of one list's requests, by cumulative time.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BUYER_ORDERS = 200
OTHER_ORDERS = 800
TOKEN = "b" * 39 + "2"
# make bench's GraphQL query (tests/bench/bench_table.py), the REST list's fields.
GRAPHQL_QUERY = (
    "{ myOrders(first: 20) { edges { node { orderId status orderName totalAmount taxFreeAmount currency "
    "expiresAt paidAt createdAt items { id productName quantity unitPrice lineTotal isTaxFree status "
    "shipped seller { name } } } } } }"
)
KINDS = ("graphql", "rest", "webhook")
# make bench's webhook ack: a Bootpay notice stored and answered (processing is the worker's, not counted).
WEBHOOK_BODY = (
    '{"receipt_id": "6000000000000000000bench1", "order_id": "ord_bench_000000", "status": 1, '
    '"price": 10000, "method": "card", "event": "PAYMENT_COMPLETED"}'
)
WARMUP = 30


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("error: set DATABASE_URL (or BENCH_DATABASE_URL) to a postgres:// URL")
    parts = urllib.parse.urlsplit(url)
    name = (parts.path.lstrip("/") or "postgres") + "_listcpu"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def prepare(url: str, fresh: bool) -> None:
    """Create, migrate and seed the database unless it is there already."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run([sys.executable, __file__, "--seed-only"], cwd=ROOT, env=env, check=True)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
    os.environ["DEBUG"] = "0"
    for scope in ("ANON", "USER", "BOOTPAY_WEBHOOK"):  # the throttles run (their cost counts), never 429
        os.environ[f"THROTTLE_RATE_{scope}"] = "100000000/min"
    import django

    django.setup()


def seed() -> None:
    """Users, a shop and its product, 1,000 orders of one line (200 of them the buyer's)."""
    from datetime import timedelta

    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from orders.models import Order, OrderItem, Product, Seller

    user_model = get_user_model()
    with transaction.atomic():
        buyer = user_model.objects.create_user("bench-buyer")
        other = user_model.objects.create_user("bench-other")
        shop = Seller.objects.create(user=user_model.objects.create_user("bench-seller"), name="bench shop")
        product = Product.objects.create(seller=shop, name="bench product", price=10000, stock=10**9)
        Token.objects.create(key=TOKEN, user=buyer)
        now = timezone.now()
        orders = Order.objects.bulk_create(
            Order(
                order_id=f"ord_bench_{n:06d}",
                buyer=buyer if n % 5 == 0 else other,
                status="paid" if n % 2 == 0 else "pending_payment",
                order_name="bench order",
                total_amount=10000,
                expires_at=now + timedelta(days=1),
                paid_at=now if n % 2 == 0 else None,
            )
            for n in range(BUYER_ORDERS + OTHER_ORDERS)
        )
        for n, order in enumerate(orders):  # a second apart, oldest first
            order.created_at = now - timedelta(seconds=len(orders) - n)
        Order.objects.bulk_update(orders, ["created_at"])
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=product,
                seller=shop,
                product_name="bench product",
                quantity=1,
                unit_price=10000,
                status=order.status,
            )
            for order in orders
        )
        try:  # the seller's list rows, where the revision has them (orders.services writes them with lines)
            seller_order = apps.get_model("orders", "SellerOrder")
        except LookupError:
            return
        seller_order.objects.bulk_create(
            seller_order(seller=shop, order=order, created_at=order.created_at) for order in orders
        )


def requester(kind: str):
    """A function making one request of `kind` through the WSGI handler; it checks the answer."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    if kind == "graphql":
        import json

        method, path, body = "POST", "/graphql/", json.dumps({"query": GRAPHQL_QUERY}).encode()
        expected = b"ord_bench_"
    elif kind == "webhook":
        method, path, body, expected = "POST", "/api/v1/webhooks/bootpay/", WEBHOOK_BODY.encode(), b"true"
    else:
        method, path, body = "GET", "/api/v1/orders/", b""
        expected = b"ord_bench_"
    base = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {TOKEN}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def request() -> bytes:
        response = handler({**base, "wsgi.input": io.BytesIO(body)}, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()  # request_finished: what gunicorn does after each request
        if not statuses.pop().startswith("200") or b'"errors"' in content or expected not in content:
            sys.exit(f"error: {kind} answered {content[:300]!r}")
        return content

    return request


def backend_cpu(pid: int) -> float | None:
    """CPU seconds so far of the PostgreSQL backend `pid`, if it runs on this machine and we may read it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(kind: str, requests: int) -> tuple[float, float | None, int]:
    """CPU seconds of this process and of its PostgreSQL backend (None if unreadable) per request of
    `kind`, and its SQL statements, after the warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    request = requester(kind)
    for _ in range(WARMUP):
        request()
    with CaptureQueriesContext(connection) as queries:
        request()
    statements = len(queries)
    if not requests:
        return 0.0, None, statements
    with connection.cursor() as cursor:  # the connection persists across requests (tests/bench/settings.py)
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    instrument(on=True)
    server_before, started = backend_cpu(backend), time.process_time()
    for _ in range(requests):
        request()
    elapsed, server_after = time.process_time() - started, backend_cpu(backend)
    instrument(on=False)
    server = (
        None if server_before is None or server_after is None else (server_after - server_before) / requests
    )
    return elapsed / requests, server, statements


def instrument(on: bool) -> None:
    """Under `--callgrind`, start or stop counting (everything before the first call is not counted)."""
    if os.environ.get("BENCH_CALLGRIND"):
        state = "on" if on else "off"
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


def callgrind(kind: str, requests: int) -> float:
    """Instructions per request of `kind`, counted by callgrind over `requests` requests after the
    warm-up (instrumentation switched on and off around them)."""
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null"]
        + [sys.executable, __file__, "--only", kind, "--requests", str(requests), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0", "BENCH_CALLGRIND": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if not found:
        sys.exit(f"error: no callgrind total in:\n{result.stderr[-2000:]}")
    return int(found.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", choices=KINDS)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--callgrind", action="store_true", help="instructions per request (slow)")
    parser.add_argument("--profile", choices=KINDS, help="cProfile the requests of one list")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        import django

        django.setup()
        seed()
        return
    url = database_url()
    prepare(url, args.fresh)
    kinds = (args.only,) if args.only else KINDS
    if args.callgrind:
        figures = {kind: callgrind(kind, args.requests) for kind in kinds}
        for kind, instructions in figures.items():
            print(f"{kind:8} {instructions / 1e6:8.2f} M instructions per request")
        if len(figures) == 2:
            print(f"graphql / rest: {figures['graphql'] / figures['rest']:.3f} (instructions)")
        return
    setup_django(url)
    if args.profile:
        import cProfile
        import pstats

        request = requester(args.profile)
        for _ in range(WARMUP):
            request()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            request()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        return
    figures = {kind: run(kind, args.requests) for kind in kinds}
    if args.quiet:
        return
    for kind, (cpu, server, statements) in figures.items():
        backend = "unreadable" if server is None else f"{server * 1000:6.3f} ms"
        print(
            f"{kind:8} {cpu * 1000:7.3f} ms CPU per request (PostgreSQL backend: {backend}), {statements} SQL"
        )
    if len(figures) == 2 and figures["rest"][0]:
        print(f"graphql / rest: {figures['graphql'][0] / figures['rest'][0]:.3f} (this process's CPU)")


if __name__ == "__main__":
    main()
