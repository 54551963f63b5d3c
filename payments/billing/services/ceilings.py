"""The ceilings on renewal charges a merchant's PG contract sets: how many at once and how many per second,
across every worker (docs/billing.md, "How renewals run").

With REDIS_URL both live in Redis, each decided by one Lua script (atomic, one round trip):
- at once: a sorted set of holders, each a token scored by its lease's end. A holder that dies (kill -9)
  never releases; its lease ends and its slot with it. The lease outlasts any charge (`attempt_lease()`).
- per second: a token bucket refilled at the rate, holding at most a tenth of a second's worth (at least
  one), so no window of t seconds sees more than rate × t + that burst.
A refused caller gets how long to wait and does not sleep on a worker slot: the renewal task re-queues
itself with that countdown (`payments.billing.tasks.charge_subscription`).

Without Redis (the quickstart, tasks run inline in one process) the same ceilings hold within the process
and a refused caller waits: nothing else runs charges there.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from payments.services.common import attempt_lease

# Holders of a slot: member = token, score = the end of its lease (ms).
SLOTS_KEY = "billing:charge:slots"
# The per-second bucket: {tokens, ms of the last refill}.
BUCKET_KEY = "billing:charge:bucket"

_TAKE_SLOT = """
local now = tonumber(ARGV[4])
if now == nil then local t = redis.call('TIME'); now = t[1] * 1000 + math.floor(t[2] / 1000) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""

_TAKE_TOKEN = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then local t = redis.call('TIME'); now = t[1] * 1000 + math.floor(t[2] / 1000) end
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
local last = tonumber(redis.call('HGET', KEYS[1], 'at'))
if tokens == nil or last == nil then tokens, last = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
"""


@dataclass(frozen=True)
class Permit:
    """A slot held (release it), or the wait before asking again (`granted` false)."""

    granted: bool
    token: str = ""
    wait_s: float = 0.0


def burst_of(per_second: float) -> float:
    """How many charges the bucket lets through at once: a tenth of a second's worth, at least one."""
    return max(1.0, per_second / 10)


class RedisCeilings:
    """Both ceilings across processes; 0 turns one off. `now_ms` is for tests (default: Redis's clock,
    one clock for every worker)."""

    def __init__(self, client, *, concurrency: int, per_second: float, lease_s: float) -> None:
        self.client = client
        self.concurrency, self.per_second, self.lease_ms = concurrency, per_second, int(lease_s * 1000)
        self._take_slot = client.register_script(_TAKE_SLOT)
        self._take_token = client.register_script(_TAKE_TOKEN)

    def acquire(self, *, now_ms: int | None = None) -> Permit:
        stamp = "" if now_ms is None else str(now_ms)
        token = uuid.uuid4().hex
        if self.concurrency and not self._take_slot(
            keys=[SLOTS_KEY], args=[self.concurrency, self.lease_ms, token, stamp]
        ):
            return Permit(False, wait_s=_retry_soon())
        if self.per_second:
            wait_ms = self._take_token(
                keys=[BUCKET_KEY], args=[self.per_second, burst_of(self.per_second), stamp]
            )
            if wait_ms:
                self.release(token)
                return Permit(False, wait_s=wait_ms / 1000 + random.uniform(0, 0.05))
        return Permit(True, token=token)

    def release(self, token: str) -> None:
        if self.concurrency and token:
            self.client.zrem(SLOTS_KEY, token)

    def in_flight(self) -> int:
        return self.client.zcard(SLOTS_KEY)


class LocalCeilings:
    """Both ceilings within this process (no Redis): a refused caller sleeps until it may go."""

    def __init__(self, *, concurrency: int, per_second: float) -> None:
        self.slots = threading.BoundedSemaphore(concurrency) if concurrency else None
        self.per_second = per_second
        self._lock = threading.Lock()
        self._tokens, self._at = burst_of(per_second) if per_second else 0.0, time.monotonic()

    def acquire(self, *, now_ms: int | None = None) -> Permit:
        if self.slots is not None:
            self.slots.acquire()
        while self.per_second and (wait := self._take_token()) > 0:
            time.sleep(wait)
        return Permit(True, token="local")

    def _take_token(self) -> float:
        with self._lock:
            now = time.monotonic()
            burst = burst_of(self.per_second)
            self._tokens = min(burst, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.per_second

    def release(self, token: str) -> None:
        if self.slots is not None and token:
            self.slots.release()


def _retry_soon() -> float:
    """Every slot is taken: a charge takes about one PG round trip, so look again shortly (jittered, so
    the refused do not all come back at once)."""
    return random.uniform(0.1, 0.5)


@lru_cache(maxsize=4)
def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


@lru_cache(maxsize=1)
def _local(concurrency: int, per_second: float) -> LocalCeilings:
    return LocalCeilings(concurrency=concurrency, per_second=per_second)


def charge_ceilings() -> RedisCeilings | LocalCeilings:
    """The ceilings of BILLING_CHARGE_CONCURRENCY and BILLING_CHARGES_PER_SECOND: in Redis when
    REDIS_URL is set, else this process's."""
    concurrency, per_second = settings.BILLING_CHARGE_CONCURRENCY, settings.BILLING_CHARGES_PER_SECOND
    if settings.REDIS_URL:
        return _shared(settings.REDIS_URL, concurrency, per_second, attempt_lease().total_seconds())
    return _local(concurrency, per_second)


@lru_cache(maxsize=4)
def _shared(url: str, concurrency: int, per_second: float, lease_s: float) -> RedisCeilings:
    return RedisCeilings(redis_client(url), concurrency=concurrency, per_second=per_second, lease_s=lease_s)
