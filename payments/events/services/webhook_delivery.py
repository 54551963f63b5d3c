"""Sending partner webhooks: claim, sign, POST, record; retries, ordering and auto-disable.

Guarantees (docs/events.md "Partner webhooks"):
- At least once per (event, endpoint); `webhook-id` is the event's id on every attempt and replay, so a
  receiver deduplicates on it. A sender holds a delivery through a lease (`attempt_started_at`), taken
  under the row lock with SKIP LOCKED: two workers never send the same delivery at once, and one that died
  mid-attempt is replaced once its lease (EVENTS_WEBHOOK_LEASE_S) has run out.
- Order per aggregate: a delivery waits while an earlier delivery (lower event pk) of the same endpoint
  and aggregate (an order, a subscription) is pending; a dead (`failed`) one no longer holds it back.
- Retries follow EVENTS_WEBHOOK_RETRY_SCHEDULE_S and live in the database (`next_attempt_at`): the beat
  sweep sends what is due, so no retry depends on the broker or on a worker staying alive.
- The bytes signed are the bytes sent; no redirect is followed; no response body is read or stored.
- In production only https, and only to the addresses checked at send time (services/webhook_http.py).
- Only while the endpoint's owner holds the role it was created with (`OWNER_ENTITLED`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from standardwebhooks import Webhook

from payments.events.models import WebhookDeliveryAttempt, WebhookEndpoint, WebhookEndpointDelivery
from payments.events.selectors import event_envelope
from payments.events.services.partner_webhooks import (
    webhook_addresses_blocked,
    webhook_endpoint_owner_entitled,
    webhook_endpoints_disable_unentitled,
    webhook_host_addresses,
)
from payments.events.services.webhook_http import webhook_http_post

logger = logging.getLogger(__name__)

State = WebhookEndpointDelivery.State
USER_AGENT = "Marketplace-Webhooks/1.0 (Standard Webhooks)"


def _lease() -> timedelta:
    return timedelta(seconds=settings.EVENTS_WEBHOOK_LEASE_S)


def _earlier_open(*, endpoint_id, aggregate, event_id) -> QuerySet[WebhookEndpointDelivery]:
    return WebhookEndpointDelivery.objects.filter(
        endpoint_id=endpoint_id, aggregate=aggregate, event_id__lt=event_id, state=State.PENDING
    )


def _claimable(now: datetime) -> QuerySet[WebhookEndpointDelivery]:
    return WebhookEndpointDelivery.objects.filter(
        state=State.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
    ).filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=now - _lease()))


def webhook_delivery_claim(*, delivery_pk: int) -> WebhookEndpointDelivery | None:
    """Take the lease of a due delivery, or None (not due, held by a live sender, final, its endpoint
    disabled, an earlier delivery of its aggregate still pending, or its endpoint's owner no longer holds
    its role: then the endpoint is disabled). Counts the attempt."""
    now = timezone.now()
    with transaction.atomic():
        # Not while an earlier delivery of its aggregate is pending: its turn comes when that one is
        # done (`_kick_next`) or by the sweep.
        earlier = _earlier_open(
            endpoint_id=OuterRef("endpoint_id"),
            aggregate=OuterRef("aggregate"),
            event_id=OuterRef("event_id"),
        )
        delivery = (
            _claimable(now)
            .exclude(Exists(earlier))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint__owner", "endpoint__seller", "event")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None:
            return None
        if not webhook_endpoint_owner_entitled(delivery.endpoint):
            # Held, not sent nor counted: its endpoint is disabled (after this commit), so it waits.
            pk = delivery.endpoint_id
            transaction.on_commit(lambda: webhook_endpoints_disable_unentitled([pk]), robust=True)
            return None
        delivery.attempts += 1
        delivery.attempt_started_at = now
        delivery.save(update_fields=["attempts", "attempt_started_at"])
    return delivery


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def webhook_body(delivery: WebhookEndpointDelivery) -> bytes:
    """The request body: the event's envelope as the endpoint's owner may read it, serialized once."""
    envelope = event_envelope(delivery.event, seller_pk=delivery.endpoint.seller_id)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_headers(*, endpoint: WebhookEndpoint, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """Standard Webhooks headers; within a rotation window signed with the new and the previous secret
    (space-separated `v1,…` signatures: a receiver holding either verifies)."""
    signatures = [
        Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=body)
        for secret in endpoint.signing_secrets(now=now)
    ]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _post(delivery: WebhookEndpointDelivery) -> Outcome:
    endpoint = delivery.endpoint
    started = timezone.now()
    clock = time.monotonic()

    def outcome(status: int | None, error: str) -> Outcome:
        return Outcome(started, status, int((time.monotonic() - clock) * 1000), error[:240])

    parts = urlsplit(endpoint.url)
    production = settings.BOOTPAY_MODE == "production"
    if production and parts.scheme != "https":
        return outcome(None, "refused: only https:// is sent to in production")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return outcome(None, "refused: not a valid URL")
    # Resolved once: the addresses checked are the addresses connected to (no DNS rebinding).
    addresses = webhook_host_addresses(parts.hostname or "", port)
    if production and webhook_addresses_blocked(parts.hostname or "", addresses):
        return outcome(None, "refused: the host does not resolve to a public address")
    if not addresses:
        return outcome(None, "connection error: the host does not resolve")
    body = webhook_body(delivery)
    headers = webhook_headers(endpoint=endpoint, msg_id=delivery.event.event_id, body=body, now=started)
    try:
        response = webhook_http_post(
            endpoint.url,
            addresses=addresses,
            body=body,
            headers=headers,
            timeout=settings.EVENTS_WEBHOOK_TIMEOUT_S,
        )  # no redirect followed; streamed: the status is all we read, a large or slow body costs nothing
    except requests.Timeout:
        return outcome(None, "timeout")
    except requests.ConnectionError:
        return outcome(None, "connection error")
    except requests.RequestException as exc:
        return outcome(None, f"request error: {type(exc).__name__}")
    response.close()
    status = response.status_code
    if 200 <= status < 300:
        return outcome(status, "")
    if 300 <= status < 400:
        return outcome(status, f"HTTP {status}: redirects are not followed")
    return outcome(status, f"HTTP {status}")


def webhook_delivery_send(*, delivery_pk: int) -> str | None:
    """One attempt of a delivery if it is due and free; returns its state after, or None (nothing sent).
    Safe to call any number of times, from any number of workers."""
    delivery = webhook_delivery_claim(delivery_pk=delivery_pk)
    if delivery is None:
        return None
    claimed_at = delivery.attempt_started_at
    try:
        result = _post(delivery)
    except Exception:  # a bug, or the secret no longer decrypts: a failed attempt, never a stuck lease
        logger.exception("webhook delivery attempt crashed", extra={"delivery_id": delivery.delivery_id})
        result = Outcome(timezone.now(), None, 0, "internal error")
    return _record(delivery=delivery, claimed_at=claimed_at, result=result)


def _record(*, delivery: WebhookEndpointDelivery, claimed_at: datetime, result: Outcome) -> str:
    now = timezone.now()
    schedule = settings.EVENTS_WEBHOOK_RETRY_SCHEDULE_S
    retry_in: int | None = None
    with transaction.atomic():
        current = WebhookEndpointDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None:  # its endpoint was deleted while the request was out
            return "deleted"
        WebhookDeliveryAttempt.objects.create(
            delivery=current,
            number=delivery.attempts,
            started_at=result.started_at,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            succeeded=result.ok,
            error=result.error,
        )
        ours = current.attempt_started_at == claimed_at  # else our lease ran out and another sender took it
        current.last_status_code = result.status_code
        current.last_error = result.error
        current.last_latency_ms = result.latency_ms
        if result.ok:
            if current.state != State.SUCCEEDED:
                current.state = State.SUCCEEDED
                current.delivered_at = now
            current.next_attempt_at = None
            current.attempt_started_at = None
            current.replayed = False
        elif ours and current.state == State.PENDING:
            current.attempt_started_at = None
            if current.replayed:
                current.state, current.next_attempt_at, current.replayed = State.FAILED, None, False
            elif current.attempts < len(schedule):
                retry_in = schedule[current.attempts]
                current.next_attempt_at = now + timedelta(seconds=retry_in)
            else:
                current.state = State.FAILED
                current.next_attempt_at = None
        current.save()
        healthy = not delivery.endpoint.consecutive_failures and delivery.endpoint.failing_since is None
        if not (
            result.ok and healthy
        ):  # as read at the claim: a success on a healthy endpoint changes nothing
            _endpoint_health(endpoint_pk=current.endpoint_id, ok=result.ok, now=now)
        final = current.state != State.PENDING
        if final:
            transaction.on_commit(lambda: _kick_next(current), robust=True)
        elif retry_in is not None:
            transaction.on_commit(lambda: _retry_later(current.pk, retry_in), robust=True)
    log = logger.info if result.ok else logger.warning
    log(
        "webhook delivery attempt",
        extra={
            "delivery_id": current.delivery_id,
            "endpoint_id": delivery.endpoint.endpoint_id,
            "status_code": result.status_code,
            "error": result.error,
            "state": current.state,
        },
    )
    return current.state


def _endpoint_health(*, endpoint_pk: int, ok: bool, now: datetime) -> None:
    """The endpoint's failure streak, by single-row updates (no endpoint lock on the hot path); disables
    it once the streak is long and old enough, and tells staff exactly once (the update that disabled)."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_pk)
    if ok:
        endpoints.exclude(consecutive_failures=0, failing_since__isnull=True).update(
            consecutive_failures=0, failing_since=None
        )
        return
    endpoints.update(
        consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", now)
    )
    reason = (
        f"automatically disabled at {now:%Y-%m-%d %H:%M} UTC: every delivery failed for "
        f"{settings.EVENTS_WEBHOOK_DISABLE_AFTER_S // 3600} h or more"
    )
    disabled = endpoints.filter(
        enabled=True,
        consecutive_failures__gte=settings.EVENTS_WEBHOOK_DISABLE_AFTER_FAILURES,
        failing_since__lte=now - timedelta(seconds=settings.EVENTS_WEBHOOK_DISABLE_AFTER_S),
    ).update(enabled=False, disabled_reason=reason[:200])
    if disabled:
        transaction.on_commit(lambda: _alert_disabled(endpoint_pk), robust=True)


def _alert_disabled(endpoint_pk: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("seller").filter(pk=endpoint_pk).first()
    if endpoint is None:
        return
    owner = endpoint.seller.name if endpoint.seller_id else "staff"
    host = urlsplit(endpoint.url).hostname or ""
    logger.error(
        "webhook endpoint disabled after sustained failure",
        extra={"endpoint_id": endpoint.endpoint_id, "owner": owner, "host": host},
    )
    mail_admins(
        f"Webhook endpoint {endpoint.endpoint_id} disabled",
        f"Every delivery to the webhook endpoint {endpoint.endpoint_id} ({owner}, host {host}) has failed "
        f"since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC ({endpoint.consecutive_failures} attempts), so "
        "it was disabled. Its pending deliveries wait; enabling it again (admin or PATCH enabled=true) "
        "sends them.",
        fail_silently=True,
    )


def _kick_next(delivery: WebhookEndpointDelivery) -> None:
    """The delivery that waited behind this one in its aggregate, sent now rather than at the sweep."""
    following = (
        WebhookEndpointDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            aggregate=delivery.aggregate,
            event_id__gt=delivery.event_id,
            state=State.PENDING,
        )
        .order_by("event_id")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        from payments.events.tasks import webhook_delivery_send_task

        webhook_delivery_send_task.delay(following)


def _retry_later(pk: int, delay_s: int) -> None:
    # A shortcut only: the sweep sends it anyway when due. Eager mode (no broker) leaves it to the sweep.
    from payments.events.tasks import webhook_delivery_send_task

    if not webhook_delivery_send_task.app.conf.task_always_eager:
        webhook_delivery_send_task.apply_async((pk,), countdown=delay_s)


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries to send now, oldest event first: due, free, their endpoint enabled, first of their
    aggregate's pending ones."""
    now = now or timezone.now()
    earlier = WebhookEndpointDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        aggregate=OuterRef("aggregate"),
        event_id__lt=OuterRef("event_id"),
        state=State.PENDING,
    )
    return list(
        _claimable(now).exclude(Exists(earlier)).order_by("event_id").values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_sweep(*, limit: int = 500) -> int:
    """Enqueue every due delivery (retries, and those whose sender died); returns how many."""
    from payments.events.tasks import webhook_delivery_send_task

    due = webhook_deliveries_due(limit=limit)
    for pk in due:
        webhook_delivery_send_task.delay(pk)
    return len(due)
