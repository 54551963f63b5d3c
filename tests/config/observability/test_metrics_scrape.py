"""One scrape of /metrics (config/observability/metrics.py, collectors.py, queues.py): a fixed number of
queries whatever the rows, and a collector that fails (the database, Redis) leaves its families out, is
counted, and never fails the scrape."""

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection

from config.celery import app as celery_app
from config.observability.queues import _keys
from tests.metrics_support import FakeBroker, parse, sample, scraped_value
from tests.workers.harness import free_port

pytestmark = pytest.mark.django_db

# Per scrape: webhook backlog (1), outbox lag per stage (3), open outcomes per kind (4).
SCRAPE_QUERIES = 8
needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


@pytest.fixture(autouse=True)
def _loopback_scrapes(settings):
    settings.METRICS_ENABLED, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = True, "", []


def scrape(client) -> dict:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return parse(response.content.decode())


def test_a_scrape_runs_a_fixed_number_of_queries_whatever_the_rows(
    client, django_assert_num_queries, deposited_vbank, settings
):
    settings.REDIS_URL = ""  # the broker is no query; kept out of the count
    with django_assert_num_queries(SCRAPE_QUERIES):
        scrape(client)
    for _ in range(3):
        deposited_vbank()  # payments, events, notifications, webhook-free flows: more rows everywhere
    with django_assert_num_queries(SCRAPE_QUERIES):
        scrape(client)


def test_a_database_error_in_one_collector_skips_its_families_only(client):
    def refuse_webhook_table(execute, sql, params, many, context):
        if "payments_webhookdelivery" in sql:
            raise OperationalError("canceling statement due to statement timeout")
        return execute(sql, params, many, context)

    before = sample("metrics_scrape_collector_errors_total", collector="webhook_backlog")
    with connection.execute_wrapper(refuse_webhook_table):
        families = scrape(client)

    assert "bootpay_webhook_backlog" not in families
    assert "events_outbox_lag_seconds" in families and "payments_pg_outcomes_open" in families
    assert sample("metrics_scrape_collector_errors_total", collector="webhook_backlog") == before + 1


def test_a_broker_that_does_not_answer_skips_the_queue_depth(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    before = sample("metrics_scrape_collector_errors_total", collector="celery_queues")

    families = scrape(client)

    assert "celery_queue_length" not in families
    assert "bootpay_webhook_backlog" in families
    assert sample("metrics_scrape_collector_errors_total", collector="celery_queues") == before + 1


def test_without_a_broker_there_is_no_queue_depth(client, settings):
    settings.REDIS_URL = ""
    assert "celery_queue_length" not in scrape(client)


def test_queue_depth_sums_every_priority_list_of_each_queue(client, settings, monkeypatch):
    broker = FakeBroker({"billing": 3, _keys("billing")[2]: 2, "webhooks": 1})
    settings.REDIS_URL = "redis://broker.invalid/0"
    monkeypatch.setattr("config.observability.queues._broker", lambda url: broker)

    families = scrape(client)

    assert scraped_value(families, "celery_queue_length", queue="billing") == 5
    assert scraped_value(families, "celery_queue_length", queue="webhooks") == 1
    assert scraped_value(families, "celery_queue_length", queue="celery") == 0
    assert broker.round_trips == 1


@needs_redis
def test_queue_depth_counts_the_messages_celery_put_on_the_real_broker(client, settings):
    import redis

    broker = redis.Redis.from_url(settings.REDIS_URL)
    keys = [key for queue in ("billing", "events") for key in _keys(queue)]
    broker.delete(*keys)
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(settings.REDIS_URL) as connection_:
            celery_app.send_task("payments.tasks.charge_due_subscriptions", connection=connection_)
            celery_app.send_task(
                "payments.tasks.charge_due_subscriptions", connection=connection_, priority=5
            )
            celery_app.send_task("payments.events.tasks.events_dispatch_task", connection=connection_)
        families = scrape(client)
    finally:
        celery_app.conf.task_always_eager = True
        broker.delete(*keys)

    assert scraped_value(families, "celery_queue_length", queue="billing") == 2
    assert scraped_value(families, "celery_queue_length", queue="events") == 1
