"""Production-like settings, checked in a fresh process (settings are read once, at import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-varied-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    "BOOTPAY_MODE": "production",
    "BOOTPAY_CLIENT_KEY": "client",
    "BOOTPAY_SECRET_KEY": "secret",
    # A Fernet key (32 bytes, url-safe base64): a fixed test value, never a real one.
    "BILLING_KEY_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWJpbGxpbmcta2V5LTMyLWJ5dGVzISE=",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOOTPAY_", "DJANGO_", "SECRET_KEY", "BILLING_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_passes_djangos_deployment_checks():
    result = manage("check", "--deploy", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    reported = {
        line.split(")")[0].split("(")[-1] for line in result.stderr.splitlines() if line.startswith("?:")
    }
    # Only the two opt-ins that depend on the operator's domain remain (HSTS subdomains and preload).
    assert reported <= {"security.W005", "security.W021"}


def test_production_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_without_billing_key_encryption_keys_starts_and_the_deploy_check_warns():
    env = {k: v for k, v in PRODUCTION.items() if k != "BILLING_KEY_ENCRYPTION_KEYS"}

    assert manage("check", **env).returncode == 0
    result = manage("check", "--deploy", **env)
    assert result.returncode == 0 and "payments.W001" in result.stderr
    assert "payments.W001" not in manage("check", "--deploy", **PRODUCTION).stderr


def test_a_billing_key_encryption_key_that_is_not_a_fernet_key_refuses_to_start():
    result = manage("check", **{**PRODUCTION, "BILLING_KEY_ENCRYPTION_KEYS": "not-a-key"})

    assert result.returncode != 0 and "not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr


def test_production_refuses_to_run_the_sandbox_emulator():
    result = manage("bootpay_sandbox", "--port", "0", **PRODUCTION)

    # A production process does not even install the emulator (config/settings.py): no such command.
    assert result.returncode != 0 and "Unknown command: 'bootpay_sandbox'" in result.stderr


def test_outside_local_the_bootpay_mode_must_be_chosen():
    env = {k: v for k, v in PRODUCTION.items() if k != "BOOTPAY_MODE"}

    result = manage("check", **env)

    assert result.returncode != 0 and "BOOTPAY_MODE" in result.stderr
    assert manage("check", **env, BOOTPAY_MODE="sandbox").returncode == 0  # chosen on purpose (staging)


def settings_in_fresh_process(code: str, *, without: tuple[str, ...] = (), **env: str) -> str:
    """What `code` prints in a new interpreter on config.settings, with the env variables named by a
    prefix in `without` removed first (settings are read once, at import)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith((*without, "DJANGO_SETTINGS_MODULE"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def celery_conf(**env: str) -> str:
    code = (
        "import django; django.setup(); from config import celery_app as app; c = app.conf; "
        "print(c.task_always_eager, c.broker_url, c.task_acks_late, c.worker_prefetch_multiplier, "
        "c.accept_content, sorted(c.beat_schedule))"
    )
    return settings_in_fresh_process(code, without=("REDIS_URL",), **env)


def test_without_redis_tasks_run_eagerly_and_with_it_redis_is_the_broker():
    schedules = (
        "['apply-subscription-price-changes', 'charge-due-subscriptions', 'dispatch-events', "
        "'expire-unpaid-orders', 'fold-statement-rollups', 'notify-upcoming-subscription-charges', "
        "'prune-events', 'prune-webhook-deliveries', 'reconcile-payments', 'report-open-pg-outcomes', "
        "'settle-subscription-reservations', 'sweep-cash-receipts', "
        "'sweep-notifications', 'sweep-partner-webhook-deliveries', 'sweep-webhook-deliveries']"
    )
    assert celery_conf() == f"True memory://localhost/ True 1 ['json'] {schedules}"
    assert celery_conf(REDIS_URL="redis://127.0.0.1:6379/3") == (
        f"False redis://127.0.0.1:6379/3 True 1 ['json'] {schedules}"
    )


# `make run` without a broker: a webhook through the endpoint, its task run eagerly; every log record kept.
FIRST_WEBHOOK = """
import json, logging
import django
django.setup()
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(f"{record.levelname} {record.name} {record.getMessage()}")
logging.getLogger().addHandler(Keep(level=logging.DEBUG))
logging.getLogger().setLevel(logging.DEBUG)
from django.db import connection
from django.test import Client
from payments.models import WebhookDelivery
with connection.schema_editor() as editor:  # the one table a delivery needs, instead of every migration
    editor.create_model(WebhookDelivery)
answer = Client().post(
    "/api/v1/webhooks/bootpay/", {"receipt_id": "0123456789abcdef01234567", "status": 1},
    content_type="application/json", HTTP_HOST="127.0.0.1",
)
state = WebhookDelivery.objects.get().state
print(json.dumps({"status": answer.status_code, "state": state, "logs": records}))
"""


def test_without_a_broker_the_first_webhook_logs_no_kombu_hostname_warning(tmp_path):
    # Celery's eager path still takes a producer from the broker URL's pool: kombu warned on the bare
    # "memory://" ("No hostname was supplied") on the quickstart's first webhook.
    env = {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "BOOTPAY_MODE": "sandbox",
        "BOOTPAY_API_URL": "http://127.0.0.1:9/v2",  # nothing listens: the task's lookup fails at once
    }
    outcome = json.loads(
        settings_in_fresh_process(FIRST_WEBHOOK, without=("REDIS_URL", "DATABASE_URL", "BOOTPAY_"), **env)
    )

    assert outcome["status"] == 200 and outcome["state"] == "failed"  # stored, and its task did run
    assert any("process_webhook_delivery" in line for line in outcome["logs"]), outcome["logs"]
    assert [line for line in outcome["logs"] if "hostname" in line.lower()] == []


# Two writers on the quickstart's SQLite file, as the dev server's threads are when the emulator's webhook
# and the browser's verify arrive together: each transaction reads, then writes.
SQLITE_WRITERS = """
import threading, time
import django
django.setup()
from django.db import connection, connections, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
first_wrote, outcomes = threading.Event(), []
def write(name, hold_s):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM counter")
                if name == "second":
                    first_wrote.wait(5)
                cursor.execute("INSERT INTO counter VALUES (1)")
                if name == "first":
                    first_wrote.set()
                    time.sleep(hold_s)
        outcomes.append(f"{name} ok")
    except Exception as exc:
        outcomes.append(f"{name} {exc}")
    finally:
        connections.close_all()
threads = [threading.Thread(target=write, args=(name, 0.3)) for name in ("first", "second")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(10)
print(sorted(outcomes))
"""


def test_sqlite_transactions_wait_for_each_other_instead_of_failing_locked(tmp_path):
    # A deferred transaction that read first cannot wait for the lock it needs to write (SQLite answers
    # "database is locked" at once); an immediate one takes it at BEGIN and waits up to the timeout.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}"}

    outcome = settings_in_fresh_process(SQLITE_WRITERS, without=("DATABASE_URL",), **env)

    assert outcome == "['first ok', 'second ok']"


def _database_setting(**env: str) -> str:
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    return settings_in_fresh_process(code, without=("DB_CONN_", "DJANGO_"), **env)


def test_database_connections_are_persistent_and_health_checked_by_default():
    assert _database_setting() == "60 True"


def test_database_connections_can_be_closed_per_request():
    assert _database_setting(DB_CONN_MAX_AGE="0", DB_CONN_HEALTH_CHECKS="0") == "0 False"


def _prepared_statements(**env: str) -> str:
    code = (
        "from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    return settings_in_fresh_process(code, without=("DB_PREPARED_STATEMENTS", "DJANGO_"), **env)


def test_postgresql_prepares_hot_statements_unless_told_not_to():
    url = "postgres://postgres@127.0.0.1:5432/x"
    assert _prepared_statements(DATABASE_URL=url) == "True 5"
    assert _prepared_statements(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0") == "None None"
    assert _prepared_statements(DATABASE_URL="sqlite:///x.sqlite3") == "None None"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_query_run_again_and_again_is_prepared_once_on_its_connection(buyer):
    from django.db import connection

    if not connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        pytest.skip("DB_PREPARED_STATEMENTS is off")

    from orders.models import Order

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(8):
        list(Order.objects.filter(buyer=buyer, status="paid")[:20])
    # psycopg prepares a statement after 5 runs: from then on PostgreSQL neither parses nor plans it again.
    assert prepared() == before + 1
