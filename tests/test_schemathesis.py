"""Property-based test of the whole REST API from its own OpenAPI schema (schemathesis).

Every operation served at `/api/schema/` runs in-process through Django's WSGI app with generated input,
a bounded number of examples each (`SCHEMATHESIS_MAX_EXAMPLES`, default 25, derandomized for CI), on top
of schemathesis' deterministic coverage cases (boundaries, wrong types, undocumented methods).
Checks: never a 5xx, and every response (status, content type, headers, body) conforms to the schema.

`test_hostile_input_is_a_400_on_every_operation` adds, for every operation, the shapes the generator does
not make: JSON nested ~1,000 deep, non-UTF-8 and NUL-holding bodies, NUL in each path and query parameter,
empty and `null` query values; each must be a 400 envelope under the same checks.
`test_an_over_long_query_string_is_a_documented_414_on_every_operation`: a query string one byte over
QUERY_STRING_MAX_BYTES is the documented 414 `query_too_long` everywhere (behind gunicorn too, whose own
limit is above it: tests/ops/test_gunicorn_conf.py).

New operations are picked up automatically. To steer one:
- `CALLER_BY_OPERATION`: who calls it (default: a buyer); callers are tokens in `fuzz_world`.
- `fuzz_world.real_values`: per path parameter (or `product_id` in an order's items), real values sent for
  about half of the generated ones, so requests reach real rows and not only `*_not_found`.
- Paths in `_BOOTPAY_PATHS` run with the gateway wired to the local Bootpay emulator (`sandbox`).
The summary line (`schemathesis: … operations, … calls`) is printed at the end of the module.
"""

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orders.services import OrderLine, order_create

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Who calls an operation, by operationId; anything not listed is called by the buyer.
CALLER_BY_OPERATION = {
    "products_create": "seller",
    "products_update": "seller",
    "payments_cancel": "staff",  # staff may cancel any amount: the widest input space
    "statements_retrieve": "staff",  # every seller and the total (a buyer is only ever refused)
    "events_list": "staff",  # every event (a buyer is only ever refused)
    # Partner webhook endpoints: a seller manages its own (a buyer is only ever refused).
    **{
        f"webhook_endpoints_{name}": "seller"
        for name in (
            "list",
            "create",
            "retrieve",
            "update",
            "destroy",
            "rotate_secret",
            "deliveries_list",
            "deliveries_replay",
        )
    },
}
# Operations under these paths may call Bootpay: they run with the gateway pointed at the emulator.
_BOOTPAY_PATHS = (
    "/api/v1/payments/",
    "/api/v1/webhooks/",
    "/api/v1/billing-keys/",
    "/api/v1/subscriptions/",
    "/api/v1/orders/",  # a cash receipt requested on a paid order is issued at once (eager tasks)
    "/api/v1/identity/",  # a verification is read from Bootpay (certificate, SMS)
)
# Top-level body fields that name rows (POST /api/v1/subscriptions/): real values as for path parameters.
_BODY_IDS = ("product_id", "billing_key_id")

# Loaded once at collection, from the app itself: the schema under test is the one partners download.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())

_calls: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if _calls:
        operations = {operation for operation, _ in _calls}
        statuses = Counter()
        for (_, status), count in _calls.items():
            statuses[status] += count
        line = (
            f"schemathesis: {len(operations)} operations, {sum(_calls.values())} calls "
            f"(max_examples={MAX_EXAMPLES} each, plus coverage cases); by status: "
            + ", ".join(f"{status}×{count}" for status, count in sorted(statuses.items()))
        )
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n{line}")


@pytest.fixture(autouse=True)
def _keep_test_transaction():
    """Django recycles connections at each request's start and end; here that would close the connection
    holding the test's transaction. Django's own test client switches it off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class FuzzWorld:
    tokens: dict[str, str]
    real_values: dict[str, list] = field(default_factory=dict)

    def headers_for(self, operation_id: str) -> dict[str, str]:
        return {"Authorization": f"Token {self.tokens[CALLER_BY_OPERATION.get(operation_id, 'buyer')]}"}


@pytest.fixture
def fuzz_world(db, make_user, make_seller, make_product, sandbox, make_gateway) -> FuzzWorld:
    """Rows the generated requests can reach, and a token per caller."""
    buyer, other_buyer = make_user(), make_user()
    shop, other_shop = make_seller(), make_seller()
    products = [
        make_product(seller=shop, price=12_000, stock=1_000_000),
        make_product(seller=shop, price=3_000, stock=1_000_000, is_tax_free=True),
        make_product(seller=shop, price=5_000, stock=0, is_active=False),
        make_product(seller=other_shop, price=7_000, stock=1_000_000),
    ]
    own_orders = [order_create(buyer=buyer, lines=[OrderLine(products[0].pk, 1)]) for _ in range(3)]
    foreign_order = order_create(buyer=other_buyer, lines=[OrderLine(products[3].pk, 1)])
    payments = _paid(
        sandbox,
        make_gateway,
        buyer,
        [order_create(buyer=buyer, lines=[OrderLine(products[0].pk, 2)]) for _ in range(2)],
    )
    subscribable = make_product(seller=shop, price=9_900, stock=1_000_000, subscription_interval="month")
    keys, subscription = _billing(sandbox, make_gateway, buyer, subscribable)
    endpoints, deliveries = _partner_webhooks(shop)
    return FuzzWorld(
        tokens={
            "buyer": Token.objects.create(user=buyer).key,
            "seller": Token.objects.create(user=shop.user).key,
            "staff": Token.objects.create(user=make_user(is_staff=True)).key,
        },
        real_values={
            "id": [product.pk for product in [*products, subscribable]],
            "product_id": [product.pk for product in [*products, subscribable] if product.is_active],
            "order_id": [order.order_id for order in [*own_orders, foreign_order]],
            "payment_id": [payment.public_id for payment in payments],
            "billing_key_id": [key.billing_key_id for key in keys],
            "subscription_id": [subscription.subscription_id],
            "endpoint_id": endpoints,
            "delivery_id": deliveries,
        },
    )


def _partner_webhooks(shop) -> tuple[list[str], list[str]]:
    """A webhook endpoint of the seller with a delivery of an event of its order (never sent here)."""
    from payments.events.models import Event, WebhookEndpointDelivery
    from payments.events.services.partner_webhooks import webhook_endpoint_create

    endpoint, _ = webhook_endpoint_create(actor=shop.user, url="http://127.0.0.1:9/hooks")
    deliveries = [
        WebhookEndpointDelivery.objects.create(endpoint=endpoint, event=event, aggregate=event.aggregate)
        for event in Event.objects.order_by("pk")[:1]
    ]
    return [endpoint.endpoint_id], [delivery.delivery_id for delivery in deliveries]


def _billing(sandbox, make_gateway, buyer, product) -> tuple[list, object]:
    """Two registered cards of the buyer (one declining) and a subscription on a third."""
    from payments import gateway
    from payments.billing.services import billing_key_register, billing_key_request_start, subscription_create

    gateway.set_gateway(make_gateway(timeout_s=2.0))
    try:
        keys = []
        for decline in (False, True, False):
            subscription_id = billing_key_request_start(buyer=buyer).subscription_id
            receipt_id = sandbox.state.issue_billing_key(subscription_id, decline=decline)["receipt_id"]
            keys.append(billing_key_register(buyer=buyer, receipt_id=receipt_id))
        subscription = subscription_create(
            buyer=buyer, product_id=product.pk, billing_key_id=keys[-1].billing_key_id
        )
        return keys, subscription
    finally:
        gateway.set_gateway(None)


def _paid(sandbox, make_gateway, buyer, orders) -> list:
    """Payments for `orders`: one paid by card, the rest awaiting separate approval."""
    from payments import gateway
    from payments.services import payment_verify

    gateway.set_gateway(make_gateway(timeout_s=2.0))
    try:
        return [
            payment_verify(
                order_id=order.order_id,
                receipt_id=sandbox.state.create_receipt(
                    order_id=order.order_id,
                    price=order.total_amount,
                    state="paid" if index == 0 else "awaiting_confirm",
                )["receipt_id"],
                actor=buyer,
            )
            for index, order in enumerate(orders)
        ]
    finally:
        gateway.set_gateway(None)


@pytest.fixture
def emulated_bootpay(make_gateway):
    """The gateway reaches Bootpay through the real SDK, pointed at the local emulator (`sandbox`)."""
    from payments import gateway

    gateway.set_gateway(make_gateway(timeout_s=2.0))
    yield
    gateway.set_gateway(None)


def _pick(values: list, generated: object) -> object | None:
    """A real value for about half of the generated ones, chosen by the generated value (deterministic)."""
    digest = hashlib.sha256(repr(generated).encode()).digest()
    return values[digest[1] % len(values)] if values and digest[0] % 2 == 0 else None


def _use_real_values(case, world: FuzzWorld) -> None:
    for name, generated in list((case.path_parameters or {}).items()):
        if (real := _pick(world.real_values.get(name, []), generated)) is not None:
            case.path_parameters[name] = real
    for name in _BODY_IDS if isinstance(case.body, dict) else ():
        if name in case.body and (real := _pick(world.real_values[name], case.body[name])) is not None:
            case.body[name] = real
    items = case.body.get("items") if isinstance(case.body, dict) else None
    lines = (
        [line for line in items if isinstance(line, dict) and "product_id" in line]
        if isinstance(items, list)
        else []
    )
    for line in lines:
        if (real := _pick(world.real_values["product_id"], line["product_id"])) is not None:
            line["product_id"] = real


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_answers_within_its_schema(case, fuzz_world, request):
    if case.path.startswith(_BOOTPAY_PATHS):
        request.getfixturevalue("emulated_bootpay")
    _use_real_values(case, fuzz_world)
    cache.clear()  # the throttles would start answering 429 to a fuzzer; rate limits have their own tests
    operation_id = case.operation.definition.raw.get("operationId", case.operation.label)
    response = case.call_and_validate(headers=fuzz_world.headers_for(operation_id), checks=CHECKS)
    _calls[(operation_id, response.status_code)] += 1


# --- Hostile input, on every operation ------------------------------------------------------------------
# Shapes the generator does not produce but attackers do: JSON nested far deeper than JSON_MAX_DEPTH, bodies
# that are not UTF-8, NUL characters (PostgreSQL text cannot hold one) in bodies, path parameters and query
# parameters, and empty or `null` list parameters. Each case goes through the same checks as above and must
# be a 400 with the envelope's `parse_error` (unreadable body) or `validation_error`.

HOSTILE_BODIES = {
    "deep array": b"[" * 1_000 + b"]" * 1_000,
    "deep object": b'{"a": ' * 1_000 + b"1" + b"}" * 1_000,
    "not utf-8": b'{"name": "\xff\xfe", "reason": "\xc3("}',
    "nul in a string": b'{"name": "a\\u0000b", "reason": "a\\u0000b", "receipt_id": "a\\u0000b"}',
}
_OPERATIONS = [result.ok() for result in schema.get_all_operations()]
_QUERY_VALUES = {"NUL": "a\x00b", "empty": "", "null": "null"}


def _hostile_cases():
    """(operation, part of the request, name, value): each hostile shape wherever the operation has room."""
    for op in _OPERATIONS:
        if op.body:
            for shape, body in HOSTILE_BODIES.items():
                yield pytest.param(op, "body", shape, body, id=f"{op.label} body {shape}")
        for parameter in op.path_parameters:
            yield pytest.param(op, "path", parameter.name, "a\x00b", id=f"{op.label} NUL {parameter.name}")
        for parameter in op.query:
            for shape, value in _QUERY_VALUES.items():
                yield pytest.param(
                    op, "query", parameter.name, value, id=f"{op.label} {shape} {parameter.name}"
                )


@pytest.mark.parametrize(("operation", "part", "name", "value"), list(_hostile_cases()))
def test_hostile_input_is_a_400_on_every_operation(operation, part, name, value, fuzz_world, request):
    if operation.path.startswith(_BOOTPAY_PATHS):
        request.getfixturevalue("emulated_bootpay")
    cache.clear()
    # Every other path parameter names a real row, so the hostile part is the only thing wrong.
    path = {p.name: (fuzz_world.real_values.get(p.name) or [1])[0] for p in operation.path_parameters}
    query, body = {}, {}
    if part == "body":
        body = {"data": value}  # sent as is, instead of a generated body
    elif part == "path":
        path[name] = value
    else:
        query[name] = value
    case = operation.Case(path_parameters=path, query=query, media_type="application/json")
    operation_id = operation.definition.raw.get("operationId", operation.label)
    headers = fuzz_world.headers_for(operation_id) | {"Content-Type": "application/json"}

    response = case.call_and_validate(headers=headers, checks=CHECKS, **body)

    _calls[(operation_id, response.status_code)] += 1
    assert response.status_code == 400, response.text
    expected = {"parse_error", "validation_error"} if part == "body" else {"validation_error"}
    assert response.json()["code"] in expected


# --- Over-long query strings, on every operation ----------------------------------------------------------
# The generator keeps to the schema's shapes; a request line longer than gunicorn's limit was answered by
# gunicorn with an undocumented 414. The application now refuses a query string over QUERY_STRING_MAX_BYTES
# itself, on every operation, with a 414 each operation documents: checked here under the same checks.


@pytest.mark.parametrize("operation", _OPERATIONS, ids=lambda operation: operation.label)
def test_an_over_long_query_string_is_a_documented_414_on_every_operation(operation, db):
    from django.conf import settings as django_settings

    path = {parameter.name: "x" for parameter in operation.path_parameters}
    padding = "a" * (django_settings.QUERY_STRING_MAX_BYTES + 1 - len("pad="))
    case = operation.Case(path_parameters=path, query={"pad": padding}, media_type="application/json")

    response = case.call_and_validate(headers={"Content-Type": "application/json"}, checks=CHECKS)

    assert response.status_code == 414, response.text
    assert response.json()["code"] == "query_too_long"
