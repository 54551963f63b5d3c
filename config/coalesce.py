"""One queued task per burst of commits, instead of a message per commit.

A dispatch task takes every row committed before it starts (outbox events, stored webhook deliveries), so
while one is queued and has not started, further commits need queue none: a cache key says one is queued
(`cache.add`), and the task deletes it before it reads. If the queued task is lost the key lapses, and each
capability's beat sweep takes what is left; a broker that refuses the message is logged and left to that
sweep too, so a caller that has already committed (and answered) never fails on it.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

QUEUED_KEY_TTL_S = 60


def enqueue_coalesced(task, *, key: str, what: str) -> bool:
    """`task.delay()` unless one is already queued under `key`; True when this call queued it."""
    try:
        queue_one = cache.add(key, 1, timeout=QUEUED_KEY_TTL_S)
    except Exception:  # the cache is down: better a dispatch too many than one late
        logger.warning("%s: cache unavailable, queueing anyway", what, exc_info=True)
        queue_one = True
    if not queue_one:
        return False
    try:
        task.delay()
    except Exception:
        logger.exception("could not enqueue the %s; left for its beat sweep", what)
        return False
    return True
