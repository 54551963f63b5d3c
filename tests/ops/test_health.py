"""/healthz (process up) and /readyz (database, Redis, broker; Bootpay reported, never required)."""

import socket
import sys
import types

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from config import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_bootpay_check():
    health.reset_bootpay_cache()
    yield
    health.reset_bootpay_cache()


@pytest.fixture
def dead_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_healthz_does_no_io(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(health, "readiness", lambda: pytest.fail("healthz must not check anything"))
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_health_checks_answer_any_host_over_plain_http(client, settings):
    # A load balancer probes the instance by its private address, over HTTP.
    settings.ALLOWED_HOSTS = ["shop.example"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/api/v1/products/", HTTP_HOST="10.0.3.7:8000").status_code == 400


def test_readyz_all_good(client, settings, bootpay):
    settings.BOOTPAY_API_URL = bootpay.api_url
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["checks"]["database"] == "ok" and body["checks"]["bootpay"] == "ok"
    assert body["checks"]["redis"] == ("ok" if settings.REDIS_URL else "not configured")
    assert response["Cache-Control"] == "no-store"


def test_without_redis_url_redis_and_broker_are_not_configured(client, settings):
    settings.REDIS_URL = ""
    checks = client.get("/readyz").json()["checks"]
    assert checks["redis"] == checks["broker"] == "not configured"


def test_a_dead_database_is_503_naming_it(client, monkeypatch, dead_port, tmp_path):
    dead = connections.create_connection(DEFAULT_DB_ALIAS)
    if dead.vendor == "sqlite":
        dead.settings_dict = {**dead.settings_dict, "NAME": str(tmp_path / "missing" / "db.sqlite3")}
    else:
        dead.settings_dict = {**dead.settings_dict, "HOST": "127.0.0.1", "PORT": dead_port}
    monkeypatch.setattr(health, "connections", {DEFAULT_DB_ALIAS: dead})

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["checks"]["database"].startswith("error: ")
    assert str(dead_port) not in body["checks"]["database"]  # no connection details to the caller


def test_a_dead_redis_is_503_naming_it(client, settings, dead_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port}/7"
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"].startswith("error: ") and checks["database"] == "ok"


def test_redis_up_is_ok(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    assert client.get("/readyz").json()["checks"]["redis"] == "ok"


class _Connection:
    def __init__(self, url):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ensure_connection(self, **_options):
        raise ConnectionRefusedError(f"cannot reach {self.url}")


def test_a_dead_broker_is_503_naming_it(client, settings, monkeypatch, dead_port):
    # Whatever config.celery.app is, its broker connection failing makes readyz fail on "broker".
    app = types.SimpleNamespace(
        connection_for_write=lambda **_kw: _Connection(f"redis://127.0.0.1:{dead_port}")
    )
    monkeypatch.setitem(sys.modules, "config.celery", types.SimpleNamespace(app=app))
    monkeypatch.setitem(health.REQUIRED_CHECKS, "redis", lambda: "ok")
    settings.REDIS_URL = "redis://127.0.0.1:6379/7"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: ConnectionRefusedError"


def test_a_real_celery_app_with_a_dead_broker(settings, monkeypatch, dead_port):
    celery = pytest.importorskip("celery")
    app = celery.Celery(
        "readyz-test", broker=f"redis://127.0.0.1:{dead_port}/7", set_as_current=False
    )  # not the current app: the tasks of later tests would go to it
    monkeypatch.setitem(sys.modules, "config.celery", types.SimpleNamespace(app=app))
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port}/7"
    assert health.check_broker().startswith("error: ")


def test_without_a_celery_app_the_broker_is_not_configured(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "config.celery", None)  # import fails as when the module is absent
    settings.REDIS_URL = "redis://127.0.0.1:6379/7"
    assert health.check_broker() == "not configured"


def test_bootpay_unreachable_is_reported_not_required(client, settings, dead_port):
    settings.BOOTPAY_API_URL = f"http://127.0.0.1:{dead_port}/v2"
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["checks"]["bootpay"].startswith("unreachable: ")


def test_the_bootpay_check_is_cached(settings, monkeypatch):
    calls = []
    monkeypatch.setattr(health, "_probe_bootpay", lambda: calls.append(1) or "ok")
    assert health.check_bootpay() == health.check_bootpay() == "ok"
    assert len(calls) == 1
