"""Database helpers shared by the apps."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@contextlib.contextmanager
def savepoint_if_in_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Around a unit of work whose failure the caller catches and goes on from (a webhook round, one
    subscription of the beat, one delivery of an admin action), so that a database error in the unit
    cannot leave a transaction someone else opened aborted.

    After an error PostgreSQL refuses every statement ("current transaction is aborted") until the
    transaction, or a savepoint taken before the error, is rolled back; our services run some
    statements outside their own `atomic()` blocks, where an error is covered by no savepoint. In
    autocommit (the workers, the commands, the web requests) there is no such transaction and this
    does nothing: no transaction is opened around the unit, which may call Bootpay. Inside a
    transaction the unit runs in an atomic block (a savepoint): if it fails and left the transaction
    unusable, the transaction is rolled back to the savepoint (the unit's writes go: the caller counts
    the unit as failed) and the caller can go on; if it fails with the transaction still usable, the
    savepoint is released, so what the unit wrote stays, as its commits would have in autocommit.
    Either way the unit's exception is raised. A unit that swallowed a database error itself and
    returned raises TransactionManagementError, or the error PostgreSQL gives, after the rollback.
    """
    connection = transaction.get_connection(using)
    if connection.get_autocommit():
        yield
        return
    failure: Exception | None = None
    with transaction.atomic(using=using):
        try:
            yield
        except Exception as exc:
            if not _transaction_usable(connection):
                raise  # the atomic block rolls back to its savepoint
            failure = exc  # the atomic block releases its savepoint: the unit's writes stay
        else:
            if connection.needs_rollback:  # rather than the atomic block's silent rollback
                raise transaction.TransactionManagementError(
                    "a database error was caught inside the unit of work; its writes are rolled back"
                ) from connection.rollback_exc
    if failure is not None:
        raise failure


def _transaction_usable(connection: BaseDatabaseWrapper) -> bool:
    """False when the transaction refuses statements: after an error Django saw (`needs_rollback`), or
    one only PostgreSQL knows of (a failed statement outside any savepoint whose error was caught)."""
    if connection.needs_rollback:
        return False
    try:
        sid = connection.savepoint()  # PostgreSQL refuses a savepoint in an aborted transaction
        connection.savepoint_commit(sid)
    except DatabaseError:
        return False
    return True
