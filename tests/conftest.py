import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from orders.models import Product, Seller

_names = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    # Row locks are no-ops on SQLite, so the race tests only mean something on PostgreSQL.
    for item in items:
        if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, **extra):
        username = username or f"user{next(_names)}"
        return get_user_model().objects.create_user(username=username, password="pw-123456", **extra)

    return make


@pytest.fixture
def buyer(make_user):
    return make_user("buyer")


@pytest.fixture
def make_seller(make_user):
    def make(name: str | None = None) -> Seller:
        name = name or f"shop{next(_names)}"
        return Seller.objects.create(user=make_user(f"{name}-owner"), name=name)

    return make


@pytest.fixture
def make_product(make_seller):
    def make(*, seller: Seller | None = None, price: int = 10_000, stock: int = 10, **extra) -> Product:
        return Product.objects.create(
            seller=seller or make_seller(), name=f"product{next(_names)}", price=price, stock=stock, **extra
        )

    return make


@pytest.fixture(scope="session")
def sandbox_server():
    """One real Bootpay emulator over HTTP for the whole run (state is reset per test)."""
    from payments.sandbox import SandboxServer

    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.state.reset()
    yield sandbox_server
    sandbox_server.state.reset()


@pytest.fixture
def make_gateway(sandbox):
    """Gateways wired to the emulator through the real SDK; the token cache starts empty."""
    from payments.gateway import BootpayGateway, token_cache
    from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY

    token_cache.clear()

    def make(**overrides) -> BootpayGateway:
        options = {
            "mode": "sandbox",
            "api_url": sandbox.api_url,
            "application_id": SANDBOX_APPLICATION_ID,
            "private_key": SANDBOX_PRIVATE_KEY,
            "timeout_s": 2.0,
        } | overrides
        return BootpayGateway(**options)

    yield make
    token_cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the default cache: each test starts with none (no test throttles another)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # make_user hashes a password per user; the production hasher is slow on purpose and tests need not be.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client_for(db):
    """`api_client_for(user)`: a DRF APIClient sending `Authorization: Token …` for `user`; None → anonymous.

    A real token through TokenAuthentication (not force_authenticate), as partners call the API.
    """
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
