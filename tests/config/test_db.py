"""savepoint_if_in_transaction: a unit of work whose failure is caught leaves the caller's transaction
usable."""

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from config.db import savepoint_if_in_transaction

pytestmark = pytest.mark.postgres_only


def refused_statement() -> None:
    """A statement PostgreSQL refuses, run outside any savepoint: it aborts the transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")


def usernames() -> set[str]:
    return set(get_user_model().objects.values_list("username", flat=True))


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_it_opens_no_transaction():
    with savepoint_if_in_transaction():
        assert connection.get_autocommit() and not connection.in_atomic_block
        get_user_model().objects.create(username="committed")

    with pytest.raises(DatabaseError), savepoint_if_in_transaction():
        refused_statement()
    assert usernames() == {"committed"}


@pytest.mark.django_db
def test_a_database_error_outside_any_savepoint_rolls_the_unit_back_and_the_transaction_goes_on():
    # given a unit that writes, then runs a statement PostgreSQL refuses
    def unit():
        get_user_model().objects.create(username="unit")
        refused_statement()

    # when it runs inside a caller's transaction and the caller catches its failure
    with transaction.atomic():
        get_user_model().objects.create(username="before")
        with pytest.raises(DatabaseError), savepoint_if_in_transaction():
            unit()

        # then the unit's writes are gone and the caller's transaction goes on
        get_user_model().objects.create(username="after")
        assert usernames() == {"before", "after"}


@pytest.mark.django_db
def test_a_failure_leaving_the_transaction_usable_keeps_the_units_writes():
    # given units that wrote and then failed: on a database error their own atomic block undid, and on
    # an error of Python's
    def unit_with_handled_database_error():
        get_user_model().objects.create(username="kept-1")
        with transaction.atomic():
            refused_statement()

    def unit_with_bug():
        get_user_model().objects.create(username="kept-2")
        raise KeyError("a bug")

    # when each runs inside a caller's transaction, the caller catching the failure
    with transaction.atomic():
        with pytest.raises(DatabaseError), savepoint_if_in_transaction():
            unit_with_handled_database_error()
        with pytest.raises(KeyError), savepoint_if_in_transaction():
            unit_with_bug()

        # then what they wrote stays, as their commits would have in autocommit
        assert usernames() == {"kept-1", "kept-2"}


@pytest.mark.django_db
def test_a_unit_that_swallows_a_database_error_is_rolled_back_and_raises():
    # given units that catch a database error themselves, without a savepoint, and return: PostgreSQL
    # alone knows (a raw statement), or Django knows too (a failed save marks the transaction)
    def swallows_refused_statement():
        get_user_model().objects.create(username="gone-1")
        with contextlib.suppress(DatabaseError):
            refused_statement()

    def swallows_integrity_error():
        get_user_model().objects.create(username="gone-2")
        with contextlib.suppress(IntegrityError):
            get_user_model().objects.create(username="gone-2")

    with transaction.atomic():
        # when each runs inside a caller's transaction
        aborted = pytest.raises(DatabaseError, match="current transaction is aborted")
        with aborted, savepoint_if_in_transaction():
            swallows_refused_statement()
        with pytest.raises(TransactionManagementError), savepoint_if_in_transaction():
            swallows_integrity_error()

        # then neither is taken for a success: their writes are rolled back and the transaction goes on
        assert usernames() == set()
