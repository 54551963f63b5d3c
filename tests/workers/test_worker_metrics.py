"""A real Celery worker in multiprocess mode (config/celery.py, docs/operations.md "Metrics"): it empties
its PROMETHEUS_MULTIPROC_DIR as it starts, its prefork children's counts add up in the web's scrape of that
directory, and they stay after the worker stops (counters never go back)."""

import json

import pytest
from django.test import Client

from config.celery import app
from payments.models import WebhookDelivery
from payments.webhooks import tasks
from payments.webhooks.services import webhook_receive
from tests.metrics_support import parse, scraped_value
from tests.workers.harness import machine_redis_url, wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(machine_redis_url() is None, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.timeout(120),
]
DELIVERIES = 6


def scrape() -> dict:
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return parse(response.content.decode())


# prefork: the children's files add up. solo: the tasks count in the worker's own process, whose files
# (made as Django loaded the apps, before the worker's first signal) the start-up wipe must keep; its
# directory does not exist yet either.
@pytest.mark.parametrize("pool, directory", [("prefork", ""), ("solo", "not-made-yet")])
def test_a_workers_task_counts_reach_the_scrape(
    pool, directory, broker, workers, make_order, pay_at_pg, bootpay, settings, tmp_path
):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    metrics_dir = tmp_path / directory
    settings.METRICS_SCRAPE_DIRS = [str(metrics_dir)]
    stale = metrics_dir / "counter_999999.db"
    if not directory:
        stale.write_bytes(b"a previous run's file")
    deliveries = []
    for _ in range(DELIVERIES):
        receipt = bootpay.state.get_receipt(pay_at_pg(make_order()))
        body = json.dumps(receipt).encode()
        deliveries.append(
            webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
        )
    for delivery in deliveries:
        tasks.process_webhook_delivery.delay(delivery.pk)
    app.send_task("payments.tasks.charge_due_subscriptions")  # nothing due: the run still finishes

    worker = workers("metrics", broker, pool=pool, concurrency=2, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    worker.wait_ready()
    wait_until(
        lambda: WebhookDelivery.objects.filter(state="processed").count() == DELIVERIES,
        timeout=60,
        what="every delivery processed",
    )
    wait_until(lambda: worker.succeeded("charge_due_subscriptions") == 1, timeout=30, what="the renewal run")
    worker.stop()  # its children exit and are marked dead

    families = scrape()
    assert not stale.exists()
    assert (
        scraped_value(families, "bootpay_webhook_deliveries_processed_total", state="processed") == DELIVERIES
    )
    # each delivery's receipt was fetched once through the SDK, in whichever child took it
    assert scraped_value(families, "bootpay_calls_total", operation="receipt", outcome="ok", code="") >= 1
    assert scraped_value(families, "billing_renewal_run_last_finished_timestamp_seconds") > 0
