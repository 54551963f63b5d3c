"""The read replica's settings (config/settings.py; the router is config/db_router.py, docs/scaling.md).

Imports nothing of Django's database layer, so settings may load it."""

from typing import Any

import environ

ROUTER = "config.db_router.ReplicaRouter"


def replica_routers(databases: dict[str, dict[str, Any]], replica_url: str) -> list[str]:
    """With `replica_url` (DATABASE_REPLICA_URL): the `replica` alias added to `databases` (the primary's
    options, the replica's address; tests read the test database through it, as a TEST MIRROR) and the
    routers to set. Without: nothing added, no router (every read on the primary)."""
    if not replica_url:
        return []
    databases["replica"] = {**databases["default"], **environ.Env.db_url_config(replica_url)}
    databases["replica"]["TEST"] = {"MIRROR": "default"}
    return [ROUTER]
