"""Multiprocess mode (config/observability/multiprocess.py): processes writing to one PROMETHEUS_MULTIPROC_DIR
(gunicorn workers, Celery's prefork children: real subprocesses and a real fork here) add up in one scrape;
the gunicorn master empties its directory as it starts and marks an exiting worker dead."""

import os
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.metrics_support import parse, scraped_value

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"

# What a web worker or a Celery child does: load the app, then count a Bootpay call, a verify outcome and
# a finished renewal run. With `fork`, a prefork child (forked after the app loaded) counts one more call.
WORKER = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from payments.billing import metrics as billing_metrics
    from payments.gateway.metrics import bootpay_call_observed
    from payments.metrics import PAYMENT_OPERATIONS
    from prometheus_client import multiprocess

    def work():
        bootpay_call_observed(operation="receipt", outcome="ok", code="", seconds=0.2)
        PAYMENT_OPERATIONS.labels(operation="verify", outcome="ok").inc()

    if sys.argv[1] == "fork":
        child = os.fork()
        if child == 0:
            work()
            os._exit(0)
        os.waitpid(child, 0)
        multiprocess.mark_process_dead(child)  # what Celery's worker_process_shutdown does
    work()
    billing_metrics.RENEWAL_RUN_FINISHED.set(float(sys.argv[2]))
    """
)


def run_worker(directory: Path, mode: str, finished_at: float) -> None:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [sys.executable, "-c", WORKER, mode, str(finished_at)], cwd=ROOT, env=env, check=True, timeout=120
    )


def scrape(client) -> dict:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return parse(response.content.decode())


def test_two_processes_and_a_forked_child_add_up_in_one_scrape(client, settings, tmp_path):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    settings.METRICS_SCRAPE_DIRS = [str(tmp_path)]

    run_worker(tmp_path, "plain", 1_000.0)
    run_worker(tmp_path, "fork", 2_000.0)  # a Celery worker whose prefork child also worked
    families = scrape(client)

    assert scraped_value(families, "bootpay_calls_total", operation="receipt", outcome="ok", code="") == 3
    assert (
        scraped_value(families, "bootpay_call_duration_seconds_count", operation="receipt", outcome="ok") == 3
    )
    assert scraped_value(families, "payments_operations_total", operation="verify", outcome="ok") == 3
    # the latest finished renewal run of all processes
    assert scraped_value(families, "billing_renewal_run_last_finished_timestamp_seconds") == 2_000.0
    # the scrape-time figures come on top, read by the scraping process
    assert "bootpay_webhook_backlog" in families


def test_the_web_merges_the_workers_directory_when_listed(client, settings, tmp_path):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    web, worker = tmp_path / "web", tmp_path / "worker"
    web.mkdir(), worker.mkdir()
    run_worker(web, "plain", 1.0)
    run_worker(worker, "plain", 5.0)

    settings.METRICS_SCRAPE_DIRS = [str(web)]
    alone = scrape(client)
    settings.METRICS_SCRAPE_DIRS = [str(web), str(worker)]
    merged = scrape(client)

    assert scraped_value(alone, "bootpay_calls_total", operation="receipt", outcome="ok", code="") == 1
    assert scraped_value(merged, "bootpay_calls_total", operation="receipt", outcome="ok", code="") == 2
    assert scraped_value(merged, "billing_renewal_run_last_finished_timestamp_seconds") == 5.0


def test_the_gunicorn_master_empties_its_directory_and_marks_exited_workers_dead(monkeypatch, tmp_path):
    (tmp_path / "counter_4242.db").write_bytes(b"stale")  # a previous run's file
    (tmp_path / "gauge_livesum_777.db").write_bytes(b"x")
    (tmp_path / "counter_777.db").write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    hooks = runpy.run_path(str(GUNICORN_CONF))

    hooks["child_exit"](None, type("Worker", (), {"pid": 777})())
    assert not (tmp_path / "gauge_livesum_777.db").exists()  # its live gauge goes
    assert (tmp_path / "counter_777.db").exists()  # its counts stay

    hooks["on_starting"](None)
    assert list(tmp_path.iterdir()) == []


def test_without_the_directory_the_hooks_do_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    hooks = runpy.run_path(str(GUNICORN_CONF))
    hooks["on_starting"](None)
    hooks["child_exit"](None, type("Worker", (), {"pid": 777})())
