"""Rate limits in one cache round trip per request: a fixed-window counter.

DRF's throttles keep each client's request history (a list of timestamps) in the cache: a GET and a SET
per request, and a read-modify-write that two concurrent requests can both pass. These count instead:
the window `[start, start + duration)` has one key per client, and a request is `INCR` + `EXPIRE` sent to
Redis as one pipeline (with another cache backend, `add` then `incr`: the local-memory cache makes no
round trips at all). Same rates (`DEFAULT_THROTTLE_RATES`, the `THROTTLE_RATE_*` settings), same idents
(`NUM_PROXIES`), same 429 `throttled` envelope with Retry-After (the seconds left in the window).

A fixed window allows up to twice the rate across a window boundary; for abuse limits that is fine, and it
is what lets one atomic command decide.
"""

import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling


def cache_incr_window(cache, key: str, timeout: int) -> int:
    """Add 1 to the counter `key` (created with `timeout` seconds to live) and return its new value."""
    if isinstance(cache, RedisCache):
        redis_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(redis_key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(redis_key)
        pipeline.expire(redis_key, timeout)  # the key is per window: re-arming the expiry moves nothing
        count, _ = pipeline.execute()
        return int(count)
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: this request opens the window again
        cache.add(key, 1, timeout)
        return 1


class FixedWindowMixin:
    """`allow_request`/`wait` for DRF's SimpleRateThrottle subclasses (their `get_cache_key` and rates)."""

    cache_alias = "default"  # a backend, not django's `cache` proxy: the Redis path needs the RedisCache
    timer = staticmethod(time.time)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = int(self.timer())
        window_start = now - now % self.duration
        self.window_end = window_start + self.duration
        self.now = now
        # The window's start in the key: a counter never outlives its window, whatever the clock did.
        count = cache_incr_window(self.counters(), f"{self.key}:{window_start}", self.duration + 1)
        return count <= self.num_requests

    def counters(self):
        return caches[self.cache_alias]

    def wait(self) -> float:
        return max(self.window_end - self.now, 1)


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FixedWindowMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        # DRF's: the rate comes from the view's `throttle_scope`, read per request.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


# Counters kept in this process's memory, for ProcessLocalScopedRateThrottle.
process_local_counters = LocMemCache("process-local-throttles", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


class ProcessLocalScopedRateThrottle(ScopedRateThrottle):
    """A scoped rate counted in this process's memory: no round trip, and the limit holds per web
    process rather than per deployment. For an endpoint that only a known sender calls at volume (Bootpay's
    webhooks), where the throttle only has to cut a flood short."""

    def counters(self):
        return process_local_counters
