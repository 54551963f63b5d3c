"""A read replica for statements and lists, off unless DATABASE_REPLICA_URL is set (docs/scaling.md).

Only reads that *opt in* may go to the replica: the adapters of the statements and of the list endpoints
run inside `replica_reads()` (a context manager and decorator). Everything else reads the primary: any
write, anything inside a transaction on the primary (so every `select_for_update` and every money service,
which lock in `atomic()`), the reads of services and tasks, and any read of a request that did not opt in.

A replica lags the primary (seconds, usually less): a list read just after a write may not show it yet, a
statement may miss the last seconds' sales. That is why only those reads opt in, and never a read that a
decision about money is made on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may go to the replica (when there is one). Also a decorator:
    `@replica_reads()` on a view method or resolver."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_allowed() -> bool:
    return _replica_reads.get()


class ReplicaRouter:
    """DATABASE_ROUTERS entry when a replica is configured (config/settings.py)."""

    # Both answer an alias, never None: Django would then fall back to the database a hinted instance was
    # read from, so a row read from the replica would be saved (or its relations read) there.

    def db_for_read(self, model: type, **hints: Any) -> str:
        if not _replica_reads.get() or REPLICA_DB_ALIAS not in connections.settings:
            return DEFAULT_DB_ALIAS
        # A transaction on the primary: its reads must see its own writes and take its locks there.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two copies: a row read from the replica relates to the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA_DB_ALIAS  # the replica follows the primary's schema by replication
