"""METRICS_ENABLED: on (the default), every alias's database engine is django-prometheus's subclass of
Django's and every request is timed by its middleware; off, the engines stay Django's own and the
middleware steps aside (config/databases.py, config/observability/middleware.py)."""

import environ
import pytest
from django.db import connection
from django.test import Client

from config.databases import database_routers
from tests.metrics_support import sample

SQLITE, POSTGRES = "django.db.backends.sqlite3", "django.db.backends.postgresql"


def databases_for(monkeypatch, **env) -> dict:
    for name in ("METRICS_ENABLED", "DATABASE_REPLICA_URL", "DB_TRANSACTION_POOLER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    databases = {"default": {"ENGINE": POSTGRES, "NAME": "shop", "HOST": "db"}}
    database_routers(databases, environ.Env())
    return databases


def test_by_default_every_alias_is_instrumented_the_replica_too(monkeypatch):
    databases = databases_for(monkeypatch, DATABASE_REPLICA_URL="postgres://reader@replica:5432/shop")
    assert databases["default"]["ENGINE"] == "django_prometheus.db.backends.postgresql"
    assert databases["replica"]["ENGINE"] == "django_prometheus.db.backends.postgresql"
    assert databases["replica"]["HOST"] == "replica" and databases["replica"]["TEST"] == {"MIRROR": "default"}


def test_switched_off_the_engines_stay_djangos(monkeypatch):
    assert databases_for(monkeypatch, METRICS_ENABLED="0")["default"]["ENGINE"] == POSTGRES


def test_an_engine_django_prometheus_does_not_wrap_is_left_alone(monkeypatch):
    databases = {"default": {"ENGINE": "django.db.backends.oracle"}, "other": {"ENGINE": SQLITE}}
    monkeypatch.delenv("METRICS_ENABLED", raising=False)
    database_routers(databases, environ.Env())
    assert databases["default"]["ENGINE"] == "django.db.backends.oracle"
    assert databases["other"]["ENGINE"] == "django_prometheus.db.backends.sqlite3"


@pytest.mark.django_db
def test_this_test_database_runs_on_the_instrumented_engine_and_counts_queries():
    before = sample("django_db_execute_total", alias="default", vendor=connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.settings_dict["ENGINE"].startswith("django_prometheus.db.backends.")
    assert sample("django_db_execute_total", alias="default", vendor=connection.vendor) == before + 1


def requests_timed() -> float:
    return sample("django_http_requests_before_middlewares_total")


def test_the_http_middleware_times_requests_when_on_and_steps_aside_when_off(settings):
    settings.METRICS_ENABLED = True
    before = requests_timed()
    Client().get("/healthz")  # each new Client builds its middleware chain from the settings of now
    assert requests_timed() == before + 1

    settings.METRICS_ENABLED = False
    Client().get("/healthz")
    assert requests_timed() == before + 1
