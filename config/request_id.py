"""The id of the request (or task) being served, for log lines and for the tasks it enqueues.

A contextvar, so each thread, asyncio task and Celery task has its own. `bind_request_id` sets it for a
block and restores the previous value after it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def bind_request_id(value: str | None) -> Iterator[None]:
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)
