"""Database settings beyond the primary's URL (config/settings.py; docs/scaling.md): a read replica and
a pooler in transaction mode. Imports nothing of Django's database layer, so settings may load it."""

from typing import Any

import environ

ROUTER = "config.db_router.ReplicaRouter"


def database_routers(databases: dict[str, dict[str, Any]], env: environ.Env) -> list[str]:
    """The routers to set, after completing `databases` from the environment:

    - DATABASE_REPLICA_URL: the `replica` alias (the primary's options, the replica's address; tests read
      the test database through it, as a TEST MIRROR) and the router (config/db_router.py). Unset, nothing
      is added and every read goes to the primary.
    - DB_TRANSACTION_POOLER (e.g. PgBouncer with pool_mode=transaction): no server-side cursors
      (`.iterator()` would otherwise keep a named cursor across transactions, which a pooler may run on
      different server connections).
    - METRICS_ENABLED (default on): each alias's engine is django-prometheus's subclass of Django's, which
      counts connections, queries and errors and times them per alias (`metrics_database_engines`)."""
    replica_url = env.str("DATABASE_REPLICA_URL", default="")
    if replica_url:
        databases["replica"] = {**databases["default"], **environ.Env.db_url_config(replica_url)}
        databases["replica"]["TEST"] = {"MIRROR": "default"}
    if env.bool("DB_TRANSACTION_POOLER", default=False):
        for database in databases.values():
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if env.bool("METRICS_ENABLED", default=True):
        metrics_database_engines(databases)
    return [ROUTER] if replica_url else []


# Django's engine → django-prometheus's subclass of it (the same backend, its cursors instrumented).
METRICS_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.contrib.gis.db.backends.postgis": "django_prometheus.db.backends.postgis",
}


def metrics_database_engines(databases: dict[str, dict[str, Any]]) -> None:
    """Swap each alias's engine for django-prometheus's; an engine it does not wrap is left as it is."""
    for database in databases.values():
        database["ENGINE"] = METRICS_ENGINES.get(database["ENGINE"], database["ENGINE"])
