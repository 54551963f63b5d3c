"""Traces of real flows (REST over the Django test client, the Bootpay emulator through the real SDK,
PostgreSQL, eager Celery tasks): the spans are produced and linked, carry the request id and join the
log lines, and none of the secrets the flows handle leaves in a span (its name, attributes, events,
links, status or resource). The same flows' unscrubbed spans do hold some of them, so the check bites."""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.observability import tracing
from payments.billing.models import BillingKey, Subscription
from payments.billing.tasks import charge_due_subscriptions
from payments.sandbox import SANDBOX_PRIVATE_KEY
from tests.billing_support import issue_card
from tests.identity_support import born_years_ago, certificate, emulator  # noqa: F401
from tests.payments.cash_receipts.conftest import cash_bootpay, cash_order, paid_cash  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

PHONE = "01098765432"  # a cash receipt's identifier
BUSINESS_NO = "1208147521"
CI, BIRTH_YEARS = "CI-PERSON-TRACE-77", 31
EMAIL = "buyer.trace@example.com"
SEARCH_PHONE = "01077776666"

DJANGO, PSYCOPG, REQUESTS, CELERY = (
    "opentelemetry.instrumentation.django",
    "opentelemetry.instrumentation.psycopg",
    "opentelemetry.instrumentation.requests",
    "opentelemetry.instrumentation.celery",
)


def everything_in(span) -> str:
    """Every text a span carries to a backend, in one string."""
    parts = [span.name, str(span.status.description), json.dumps(dict(span.resource.attributes), default=str)]
    parts.append(json.dumps(dict(span.attributes or {}), default=str))
    for event in span.events:
        parts += [event.name, json.dumps(dict(event.attributes or {}), default=str)]
    for link in span.links:
        parts.append(json.dumps(dict(link.attributes or {}), default=str))
    return "\n".join(parts)


def leaks(spans, secrets) -> list[tuple[str, str]]:
    return [(span.name, secret) for span in spans for secret in secrets if secret in everything_in(span)]


def scope(span) -> str:
    return span.instrumentation_scope.name


def server_span(spans, method: str, route_part: str, index: int = -1):
    found = [s for s in spans if scope(s) == DJANGO and s.name.startswith(method) and route_part in s.name]
    assert found, [s.name for s in spans if scope(s) == DJANGO]
    return found[index]


def children_of(spans, parent):
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def descendants_of(spans, parent):
    found, frontier = [], [parent]
    while frontier:
        below = [child for span in frontier for child in children_of(spans, span)]
        found += below
        frontier = below
    return found


@pytest.fixture
def flows(
    traced,
    settings,
    api_client_for,
    buyer,
    make_order,
    make_product,
    pay_at_pg,
    bootpay,
    cash_order,  # noqa: F811
    paid_cash,  # noqa: F811
    cash_bootpay,  # noqa: F811
    certificate,  # noqa: F811
    born_years_ago,  # noqa: F811
    on_commit_now,
):
    """Runs every flow once; answers the secrets they handled and the responses worth checking."""
    settings.BOOTPAY_PRIVATE_KEY = SANDBOX_PRIVATE_KEY  # the configured key is the one the SDK sends
    buyer.email = EMAIL
    buyer.save(update_fields=["email"])
    client = api_client_for(buyer)
    answers = {}

    # 1. Checkout: the browser paid at Bootpay; verify looks the receipt up.
    order = make_order(prices=(15_000,))
    answers["verify"] = client.post(
        "/api/v1/payments/verify/",
        {"order_id": order.order_id, "receipt_id": pay_at_pg(order)},
        format="json",
        HTTP_X_REQUEST_ID="trace-verify-1",
    )
    assert answers["verify"].status_code == 200, answers["verify"].content
    # A list whose query string carries personal data.
    assert client.get(f"/api/v1/payments/?search={SEARCH_PHONE}&email={EMAIL}").status_code in (200, 400)

    # 2. A card registered (the SDK looks the key up by its issuance receipt), subscribed (first charge).
    product = make_product(price=9_900, stock=5, subscription_interval="month")
    key_request = client.post("/api/v1/billing-keys/requests/").json()
    issued = issue_card(bootpay, key_request["subscription_id"])
    key = client.post("/api/v1/billing-keys/", {"receipt_id": issued["receipt_id"]}, format="json").json()
    subscription = client.post(
        "/api/v1/subscriptions/",
        {"product_id": product.pk, "billing_key_id": key["billing_key_id"]},
        format="json",
    )
    assert subscription.status_code == 201, subscription.content

    # 3. The renewal, charged by the beat's task (eager) once the period is due.
    Subscription.objects.update(next_charge_at=timezone.now() - timedelta(minutes=1))
    charge_due_subscriptions.delay()
    assert Subscription.objects.get().current_period == 2

    # 4. A second card, removed: Bootpay resets the first attempt (an exception in the HTTP client whose
    # message names the URL, so the key), the second destroys it (the key in the URL's path).
    second = client.post(
        "/api/v1/billing-keys/",
        {
            "receipt_id": issue_card(
                bootpay, client.post("/api/v1/billing-keys/requests/").json()["subscription_id"]
            )["receipt_id"]
        },
        format="json",
    ).json()
    bootpay.state.add_fault("subscribe/billing_key", "reset", times=1)
    answers["failed_remove"] = client.delete(f"/api/v1/billing-keys/{second['billing_key_id']}/")
    assert answers["failed_remove"].status_code == 503, answers["failed_remove"].content
    assert client.delete(f"/api/v1/billing-keys/{second['billing_key_id']}/").status_code in (200, 204)

    # 5. A cash receipt issued for a bank transfer, to a phone number.
    cash = cash_order(prices=(30_000,))
    paid_cash(cash)
    receipt = client.post(
        f"/api/v1/orders/{cash.order_id}/cash-receipt/",
        {"type": "income_deduction", "identifier": PHONE},
        format="json",
    )
    assert receipt.status_code == 200, receipt.content
    second_receipt = client.post(
        f"/api/v1/orders/{cash.order_id}/cash-receipt/",
        {"type": "expense_proof", "identifier": "120-81-47521"},
        format="json",
    )
    assert second_receipt.status_code == 200, second_receipt.content

    # 6. An identity verification (the certificate's personal data comes back from Bootpay).
    birth = born_years_ago(BIRTH_YEARS)
    verified = client.post(
        "/api/v1/identity/verifications/",
        {"receipt_id": certificate(birth=birth, unique=CI, phone=SEARCH_PHONE)},
        format="json",
    )
    assert verified.status_code == 201, verified.content

    # 7. Bootpay's webhook for the checkout's receipt; its processing task runs on commit (eagerly).
    receipt_body = bootpay.state.get_receipt(answers["verify"].json()["receipt_id"])
    answers["webhook"] = client.post(
        "/api/v1/webhooks/bootpay/",
        json.dumps({**receipt_body, "webhook_type": "PAYMENT_COMPLETED"}),
        content_type="application/json",
    )
    assert answers["webhook"].json() == {"success": True}

    plain_keys = {row["billing_key"] for row in bootpay.state.list_billing_keys()}
    stored = {
        value for row in BillingKey.objects.values_list("key_encrypted", "key_fingerprint") for value in row
    }
    secrets = (
        {SANDBOX_PRIVATE_KEY, settings.SECRET_KEY, PHONE, BUSINESS_NO, CI, birth, SEARCH_PHONE, EMAIL}
        | plain_keys
        | stored
        | set(Token.objects.values_list("key", flat=True))
    )
    assert len(plain_keys) == 2 and all(secrets)
    answers["billing_keys"] = plain_keys
    return secrets, answers


def test_real_flows_leave_no_secret_in_any_span_and_are_linked(traced, flows):
    # One test for both checks: the flows take most of a minute.
    secrets, answers = flows
    spans = traced.spans()

    assert leaks(spans, secrets) == []
    # The same spans unscrubbed hold the billing key (in a URL and an exception message) and the query's
    # personal data: without the scrubbing this test fails.
    raw_leaks = {secret for _, secret in leaks(traced.raw_spans(), secrets)}
    assert raw_leaks >= {SEARCH_PHONE, EMAIL}
    assert raw_leaks & answers["billing_keys"]

    assert {scope(span) for span in spans} >= {DJANGO, PSYCOPG, REQUESTS, CELERY}

    verify = server_span(spans, "POST", "payments/verify")
    below = children_of(spans, verify)
    assert {scope(span) for span in below} >= {PSYCOPG, REQUESTS}  # the SDK's calls under the request
    assert all(span.context.trace_id == verify.context.trace_id for span in below)
    assert verify.attributes["request_id"] == "trace-verify-1" == answers["verify"]["X-Request-ID"]
    assert all(span.attributes.get("request_id") == "trace-verify-1" for span in below)

    webhook = server_span(spans, "POST", "webhooks/bootpay")
    tasks = [span for span in children_of(spans, webhook) if scope(span) == CELERY]
    assert tasks and all(
        task.attributes["request_id"] == answers["webhook"]["X-Request-ID"] for task in tasks
    )
    processed = [span for span in descendants_of(spans, webhook) if "process_webhook_delivery" in span.name]
    assert processed  # the delivery's processing task, run on commit, under the webhook request
    assert any(scope(span) == REQUESTS for span in children_of(spans, processed[0]))  # receipt re-fetched

    failed = server_span(spans, "DELETE", "billing-keys", index=0)  # Bootpay reset the connection
    assert (
        failed.attributes.get("http.status_code", failed.attributes.get("http.response.status_code")) == 503
    )
    errors = [s for s in spans if scope(s) == REQUESTS and any(e.name == "exception" for e in s.events)]
    assert errors and any(s.context.trace_id == failed.context.trace_id for s in errors)


def test_a_log_line_inside_a_request_carries_its_trace_and_span(traced, client):
    from config.logs import formatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    logging.getLogger().addHandler(handler)
    try:
        response = client.get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="trace-log-1")  # logs "Not Found"
    finally:
        logging.getLogger().removeHandler(handler)

    [line] = [json.loads(row) for row in stream.getvalue().splitlines() if "trace-log-1" in row]
    span = server_span(traced.spans(), "GET", "")
    assert response["X-Request-ID"] == line["request_id"] == span.attributes["request_id"] == "trace-log-1"
    assert line["trace_id"] == f"{span.context.trace_id:032x}"
    assert line["span_id"] == f"{span.context.span_id:016x}"


def test_no_trace_ids_in_log_lines_when_tracing_is_off(client):
    assert tracing.current_trace_ids() is None
    from config.logs import add_trace_ids

    assert add_trace_ids(None, "info", {"event": "x"}) == {"event": "x"}


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "web"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "otlp, console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, []),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, []),
        ({"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, []),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, []),
    ],
)
def test_tracing_is_on_only_when_the_standard_variables_ask(environ, exporters):
    assert tracing.exporter_names(environ) == exporters


def test_off_by_default_nothing_is_instrumented():
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    assert tracing.init_tracing(environ={}) is False
    assert not tracing.tracing_enabled()
    assert not DjangoInstrumentor().is_instrumented_by_opentelemetry
    assert not RequestsInstrumentor().is_instrumented_by_opentelemetry


def test_init_is_idempotent(traced):
    provider = tracing.tracer_provider()
    assert tracing.init_tracing() is True and tracing.tracer_provider() is provider
