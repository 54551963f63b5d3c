"""Row ids as callers send them. Every primary key is a PostgreSQL bigint: beyond `PK_MAX` an id cannot
name a row, and handing it to the database would fail the lookup itself (DataError; SQLite overflows)."""

PK_MAX = 2**63 - 1
