"""A statement PostgreSQL refuses, for tests of code that must survive a database error (PostgreSQL only)."""

import sys


class StatementTimeoutOnce:
    """A `connection.execute_wrapper`: the first statement reading `table` that the function named
    `within` issues (directly or through what it calls) is cancelled by PostgreSQL's statement_timeout
    instead of running. A real error of the server's: the transaction is aborted unless a savepoint
    covers the statement."""

    def __init__(self, table: str, *, within: str):
        self.needle = f'FROM "{table}"'
        self.within = within
        self.fired = False

    def __call__(self, execute, sql, params, many, context):
        if not self.fired and self.needle in sql and self._issued_within():
            self.fired = True
            execute("SET LOCAL statement_timeout = 1", None, False, context)
            return execute("SELECT pg_sleep(1)", None, False, context)
        return execute(sql, params, many, context)

    def _issued_within(self) -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_name == self.within:
                return True
            frame = frame.f_back
        return False
