import itertools

import pytest
from celery._state import _set_task_join_will_block
from django.contrib.auth import get_user_model
from django.db import connection

from orders.models import Order, Product, Seller
from orders.services import OrderLine, order_create

_names = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A second alias, `replica`, for the read replica's tests (tests/config/test_db_router.py): the test
    database under another name (TEST MIRROR: its own connection, the same rows), as DATABASE_REPLICA_URL
    would add it. Nothing reads it unless a test turns the router on (settings.DATABASE_ROUTERS)."""
    from django.conf import settings

    from config.db_router import REPLICA_DB_ALIAS

    default = settings.DATABASES["default"]
    mirror = {**default, "TEST": {**default.get("TEST", {}), "MIRROR": "default"}}
    settings.DATABASES.setdefault(REPLICA_DB_ALIAS, mirror)


def pytest_collection_modifyitems(config, items):
    # Row locks are no-ops on SQLite, so the race tests only mean something on PostgreSQL.
    for item in items:
        if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture(autouse=True)
def _celery_join_flag_reset():
    # Celery's eager apply_async sets a process-wide "inside a task" flag and restores the previous value on
    # exit. Eager tasks run at once by a threaded test can restore it out of order and leave it set; every
    # EagerResult.get() of a later test would then raise "Never call result.get() within a task".
    yield
    _set_task_join_will_block(False)


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
def _celery_eager():
    """Tasks run in-process, as without REDIS_URL, even where CI sets one (tests/workers starts real
    workers for the tests that need them)."""
    from config.celery import app

    app.set_current()  # shared tasks resolve to the current app: ours, whatever a test created before
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def on_commit_now(monkeypatch):
    """A test inside one transaction never commits: run `transaction.on_commit` callbacks at once, as
    autocommit would (the webhook endpoint enqueues its task on commit)."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the default cache: each test starts with none (no test throttles another)."""
    from django.core.cache import cache

    from config.throttling import process_local_counters

    cache.clear()
    process_local_counters.clear()
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


@pytest.fixture
def bootpay(sandbox, make_gateway):
    """The services talk to the emulator over HTTP through the real SDK (short timeout for fault tests)."""
    from payments import gateway

    gateway.set_gateway(make_gateway(timeout_s=1.0))
    yield sandbox
    gateway.set_gateway(None)


@pytest.fixture
def make_order(buyer, make_product):
    def make(*, user=None, prices=(10_000,), quantities=None, tax_free=(), stock=10) -> Order:
        lines = []
        for index, price in enumerate(prices):
            product = make_product(price=price, stock=stock, is_tax_free=index in tax_free)
            lines.append(OrderLine(product.pk, (quantities or [1] * len(prices))[index]))
        return order_create(buyer=user or buyer, lines=lines)

    return make


@pytest.fixture
def pay_at_pg(bootpay):
    """What the buyer's browser does: pay at Bootpay for an order, returning the receipt id."""

    def pay(order: Order, *, price=None, tax_free=None, order_id=None, **options) -> str:
        receipt = bootpay.state.create_receipt(
            order_id=order_id or order.order_id,
            price=order.total_amount if price is None else price,
            tax_free=order.tax_free_amount if tax_free is None else tax_free,
            order_name=order.order_name,
            **options,
        )
        return receipt["receipt_id"]

    return pay


@pytest.fixture
def deposited_vbank(buyer, make_order, pay_at_pg, bootpay):
    """A virtual-account payment the buyer has paid into, as our books see it after the deposit."""
    from payments.services import payment_reconcile, payment_verify

    def make(prices=(10_000,)):
        order = make_order(prices=prices)
        receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        bootpay.state.deposit(receipt_id)
        payment_reconcile(older_than_minutes=0)
        payment.refresh_from_db()
        assert payment.status == "paid"
        return payment

    return make


@pytest.fixture
def partial_refunds_of_cash_payments(request, settings):
    """A merchant whose PG contract also takes partial refunds of bank transfers and virtual accounts
    (Bootpay documents cards only: docs/cancellations.md), in our settings and at the emulator."""
    methods = ["card", "bank", "vbank"]
    settings.BOOTPAY_PARTIAL_CANCEL_METHODS = methods
    if "sandbox" in request.fixturenames:  # after its reset
        request.getfixturevalue("sandbox").state.update_settings(partial_cancel_methods=methods)
