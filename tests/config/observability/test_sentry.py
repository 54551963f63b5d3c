"""Error reports: with SENTRY_DSN set, a failing view and a failing Celery task reach Sentry (a capturing
transport stands in for the network) without any secret held in locals, the request body, headers, query
string, breadcrumbs or the message; without SENTRY_DSN nothing starts."""

import io
import json

import pytest
import sentry_sdk
from django.core.signals import request_finished
from django.db import close_old_connections
from sentry_sdk.transport import Transport

from config.celery import app
from config.observability.sentry import init_sentry, sentry_enabled, stop_sentry
from tests.config.observability.error_urls import BILLING_KEY, IDENTITY_NO

PRIVATE_KEY = "pk-sentry-test-4c1d9e8f2a7b6c5d"
TOKEN = "tok-sentry-9a8b7c6d5e4f3a2b1c0d"
PHONE, EMAIL = "01055554444", "buyer.sentry@example.com"
CARD = "4111111111111111"
SECRETS = (PRIVATE_KEY, TOKEN, PHONE, EMAIL, CARD, BILLING_KEY, IDENTITY_NO)


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [envelope.get_event() for envelope in self.envelopes if envelope.get_event() is not None]

    def text(self) -> str:
        return "\n".join(envelope.serialize().decode("utf-8", "replace") for envelope in self.envelopes)


@pytest.fixture
def reports(settings):
    settings.SENTRY_DSN = "https://public@sentry.example.invalid/1"
    settings.BOOTPAY_PRIVATE_KEY = PRIVATE_KEY
    transport = CapturingTransport()
    assert init_sentry(transport=transport) is True
    yield transport
    stop_sentry()


def leaked(transport) -> list[str]:
    text = transport.text()
    return [secret for secret in SECRETS if secret in text]


def wsgi_post(path: str, query: str, body: bytes, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Through the WSGI application itself, as gunicorn calls it: Sentry reads the URL, query string and
    headers there (the test client skips that layer)."""
    from config.wsgi import application

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    # As Django's test client does: the test's transaction must survive the request's end.
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(application(environ, start_response))
    finally:
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"]


@pytest.mark.django_db
@pytest.mark.urls("tests.config.observability.error_urls")
def test_a_failing_view_is_reported_without_its_secrets(reports):
    body = {"billing_key": BILLING_KEY, "identifier": PHONE, "note": f"call {PHONE}", "card": CARD}

    status, headers = wsgi_post(
        "/boom/",
        f"phone={PHONE}&email={EMAIL}",
        json.dumps(body).encode(),
        {"Authorization": f"Token {TOKEN}", "X-Request-ID": "sentry-view-1", "X-Bootpay-Key": PRIVATE_KEY},
    )
    sentry_sdk.flush()

    assert status.startswith("500")
    [event] = [e for e in reports.events() if e.get("exception")]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    # locals and the body hold values under names no rule knows (`conceal`, `personal`, a name): never sent
    assert frames and not any(frame.get("vars") for frame in frames)
    assert event["request"]["query_string"] == "phone=[REDACTED]&email=[REDACTED]"
    assert event["request"]["headers"]["Authorization"] == "[REDACTED]"
    assert not event["request"].get("data")
    assert event["tags"]["request_id"] == "sentry-view-1" == headers["X-Request-ID"]
    assert leaked(reports) == []


@pytest.fixture
def failing_task():
    @app.task(name="tests.observability.failing_task")
    def fail(order_id: str) -> None:
        billing_key = BILLING_KEY  # noqa: F841
        private_key = PRIVATE_KEY  # noqa: F841
        # As requests words a failed call: the URL, so the key, in the message.
        raise ValueError(
            f"no charge for {order_id} ({EMAIL}): Max retries exceeded with url: "
            f"/v2/subscribe/billing_key/{BILLING_KEY} (private_key={PRIVATE_KEY})"
        )

    yield fail
    app.tasks.pop(fail.name, None)


def test_a_failing_task_is_reported_without_its_secrets(reports, failing_task):
    with pytest.raises(ValueError):
        failing_task.delay(f"ord_{PHONE}")
    sentry_sdk.flush()

    [event] = [e for e in reports.events() if e.get("exception")]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert leaked(reports) == []


def test_without_a_dsn_nothing_starts(settings):
    settings.SENTRY_DSN = ""

    assert init_sentry() is False
    assert not sentry_enabled() and not sentry_sdk.get_client().is_active()


def test_a_malformed_dsn_leaves_reporting_off_and_the_process_running(settings, caplog):
    settings.SENTRY_DSN = "not-a-dsn"

    assert init_sentry() is False
    assert "SENTRY_DSN is not usable" in caplog.text
