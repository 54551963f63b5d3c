"""The rate limits: N requests per window per client, the N+1st a 429 `throttled` with Retry-After, in one
cache round trip per request (config/throttling.py)."""

import os

import pytest
import redis
from django.core.cache import cache, caches
from rest_framework.throttling import SimpleRateThrottle

from config.throttling import FixedWindowMixin

pytestmark = pytest.mark.django_db

BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-tests"},
}
if os.environ.get("REDIS_URL"):
    BACKENDS["redis"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, settings):
    settings.CACHES = {"default": BACKENDS[request.param]}
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, at the start of a minute; `clock[0] += s` moves it."""
    now = [1_800_000_000.0 - 1_800_000_000 % 60]
    monkeypatch.setattr(FixedWindowMixin, "timer", staticmethod(lambda: now[0]))
    return now


@pytest.fixture
def rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min", "auth_token": "2/min"}
    )


def _products(client, **extra):
    return client.get("/api/v1/products/", **extra)


def test_anonymous_clients_get_their_limit_then_429_with_retry_after(api_client, backend, clock, rates):
    assert [_products(api_client).status_code for _ in range(3)] == [200, 200, 200]
    clock[0] += 20

    response = _products(api_client)

    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert response.headers["Retry-After"] == "40" and response.json()["details"]["retry_after"] == 40


def test_each_address_and_each_user_has_its_own_counter(
    api_client, api_client_for, make_user, backend, clock, rates
):
    for _ in range(3):
        _products(api_client, REMOTE_ADDR="10.0.0.1")
    assert _products(api_client, REMOTE_ADDR="10.0.0.1").status_code == 429

    assert _products(api_client, REMOTE_ADDR="10.0.0.2").status_code == 200
    alice, bob = api_client_for(make_user()), api_client_for(make_user())
    assert [_products(alice, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _products(bob, REMOTE_ADDR="10.0.0.1").status_code == 200


def test_the_window_resets(api_client, backend, clock, rates):
    for _ in range(3):
        _products(api_client)
    clock[0] += 59
    assert _products(api_client).status_code == 429

    clock[0] += 1

    assert [_products(api_client).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_scoped_limits_use_their_own_rate(api_client, backend, clock, rates):
    codes = [
        api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json").status_code
        for _ in range(3)
    ]

    assert codes == [400, 400, 429]


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Commands sent to Redis: one per plain command, one per pipeline however many commands it holds."""
    sent = []
    plain, pipelined = redis.Redis.execute_command, redis.client.Pipeline.execute

    def command(self, *args, **options):
        sent.append(args[0])
        return plain(self, *args, **options)

    def pipeline(self, *args, **options):
        sent.append("pipeline:" + " ".join(str(c[0][0]) for c in self.command_stack))
        return pipelined(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)
    return sent


@pytest.mark.skipif("redis" not in BACKENDS, reason="needs Redis (set REDIS_URL)")
def test_a_throttled_request_costs_one_redis_round_trip(
    api_client_for, make_user, settings, clock, rates, redis_round_trips
):
    settings.CACHES = {"default": BACKENDS["redis"]}
    client = api_client_for(make_user())

    _products(client)

    assert redis_round_trips == ["pipeline:INCRBY EXPIRE"]  # the user's counter; anon skips signed-in users


def test_with_the_local_memory_cache_the_counters_are_added_to_not_read_and_rewritten(
    api_client_for, make_user, settings, clock, rates, monkeypatch
):
    settings.CACHES = {"default": BACKENDS["locmem"]}
    backend, calls = caches["default"], []
    for name in ("get", "set", "add", "incr"):
        original = getattr(backend, name)
        monkeypatch.setattr(
            backend, name, lambda *a, _n=name, _o=original, **k: calls.append(_n) or _o(*a, **k)
        )
    client = api_client_for(make_user())

    _products(client)
    _products(client)

    assert calls == ["add", "add", "incr"]  # the user's counter: created, then incremented
