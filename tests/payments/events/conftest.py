"""Fixtures of the partner webhook tests: a real HTTP receiver, endpoints, and events recorded and
dispatched as the core records them (`event_record` in a transaction, dispatch after commit)."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from payments.events.models import WebhookEndpointDelivery
from payments.events.services.outbox import event_record, order_snapshot
from payments.events.services.partner_webhooks import webhook_endpoint_create
from payments.events.services.webhook_delivery import webhook_deliveries_sweep
from tests.payments.events.webhook_partner_receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.EVENTS_WEBHOOK_RETRY_SCHEDULE_S = [0, 60, 300, 600]
    settings.EVENTS_WEBHOOK_TIMEOUT_S = 0.5
    settings.EVENTS_WEBHOOK_DISABLE_AFTER_S = 3600
    settings.EVENTS_WEBHOOK_DISABLE_AFTER_FAILURES = 15


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(**options) -> Receiver:
        made.append(Receiver(**options))
        return made[-1]

    yield make
    for one in made:
        one.stop()


@pytest.fixture
def staff(make_user):
    return make_user("ops", is_staff=True)


@pytest.fixture
def endpoint_for(receiver):
    """`endpoint_for(user, **options)` → (endpoint, its receiver, which verifies with its secret)."""

    def make(user, *, event_types=None, **receiver_options):
        target = receiver(**receiver_options)
        endpoint, secret = webhook_endpoint_create(actor=user, url=target.url, event_types=event_types)
        target.secrets.append(secret)
        target.secret = secret
        return endpoint, target

    return make


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run `call()` and then what it left for after commit (and what those left), as a commit would."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def emit(on_commit):
    """Record one event of `order` (an order snapshot by default) and let it be dispatched and sent."""

    def record(order, *, type="order.paid", data=None, aggregate=None, seller_id=None):
        def inside():
            with transaction.atomic():
                event_record(
                    type=type,
                    dedup_key=f"{type}:{uuid.uuid4().hex}",
                    aggregate=aggregate or f"order:{order.order_id}",
                    order=order,
                    seller_id=seller_id,
                    data=data if data is not None else {"order": order_snapshot(order), "payment": None},
                )

        on_commit(inside)

    return record


@pytest.fixture
def later(on_commit):
    """Time passes: every pending retry falls due; then the beat sweep runs."""

    def run() -> int:
        WebhookEndpointDelivery.objects.filter(state="pending").update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        return on_commit(webhook_deliveries_sweep)

    return run


from tests.payments.events.smtp_server import smtp_server  # noqa: E402, F401 - the notification tests' fixture
