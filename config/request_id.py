"""The id of the request (or task) a log line belongs to.

`RequestIdMiddleware` binds one per web request (a valid incoming `X-Request-ID`, else a new one); the
webhook delivery stores the id of the request that received it, and its processing binds that id again;
Celery passes it along in the task headers (`request_id`). The log formatter (config/logs.py) adds
`current_request_id()` to every line.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

# What we accept from a client or a proxy: ids from load balancers (AWS `Root=1-…`), uuids, hex.
# Anything else (too long, spaces, quotes, control characters) is replaced, never echoed back.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:=+/-]{1,64}$")
REQUEST_ID_MAX_LENGTH = 64

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id bound in this context (thread, task, coroutine), or None."""
    return _request_id.get()


@contextmanager
def bind_request_id(value: str | None) -> Iterator[str | None]:
    """Bind `value` as the current request id for the duration of the block (None unbinds)."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """`value` when it is safe to log and echo as a request id, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):  # not .match: `$` would let a final newline in
        return value
    return None
