"""Bootpay webhooks: store the raw delivery first, answer at once, then process it.

The body is never trusted: processing re-fetches the receipt through the gateway and hands it to
`payment_sync_from_receipt` (or binds it to its order when the buyer's browser never called verify).
Every delivery is stored and processed: nothing in an unverified body may stand in for another
delivery. A delivery for an unknown receipt is kept and marked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import DomainError
from orders.models import Order
from payments import gateway as bootpay
from payments.gateway import GatewayError, GatewayUnavailable
from payments.models import Payment, WebhookDelivery
from payments.services import Actor, payment_bind_receipt, payment_sync_from_receipt

logger = logging.getLogger(__name__)

State = WebhookDelivery.State
WEBHOOK_ACTOR = Actor(label="webhook")
STALE_CLAIM = timedelta(minutes=5)
_KEPT_HEADERS = ("content-type", "content-length", "user-agent", "x-forwarded-for", "x-real-ip")


def webhook_source_allowed(remote_ip: str | None) -> bool:
    allowed = settings.BOOTPAY_WEBHOOK_ALLOWED_IPS
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(remote_ip or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in allowed)


def _parse_body(raw_body: bytes, content_type: str) -> dict[str, Any]:
    text = raw_body.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    return _parse_json_object(text)


def _parse_json_object(text: str) -> dict[str, Any]:
    # The one json.loads of an untrusted body: a depth-limited loader can replace it here.
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def webhook_receive(
    *, raw_body: bytes, content_type: str, headers: dict[str, str], remote_ip: str | None
) -> WebhookDelivery:
    """Store a delivery exactly as received, always as a new row (see the module docstring).

    Raises validation_error for a body without a usable receipt_id (still stored, as `invalid`).
    """
    body = _parse_body(raw_body, content_type)
    receipt_id = body.get("receipt_id")
    valid = isinstance(receipt_id, str) and bool(bootpay.RECEIPT_ID_PATTERN.match(receipt_id))
    if valid:
        # What the body claims, for people reading the table: Bootpay's own dedupe fields.
        parts = [receipt_id, body.get("webhook_type"), body.get("status"), body.get("cancelled_price")]
        dedupe_key = ":".join("-" if part in (None, "") else str(part) for part in parts)[:200]
    else:
        dedupe_key = f"invalid:{hashlib.sha256(raw_body).hexdigest()}"
    kept = {name: value for name, value in headers.items() if name.lower() in _KEPT_HEADERS}
    delivery = WebhookDelivery.objects.create(
        raw_body=raw_body.decode("utf-8", errors="replace"),
        headers=kept,
        remote_ip=remote_ip,
        dedupe_key=dedupe_key,
        receipt_id=receipt_id if valid else "",
        state=State.RECEIVED if valid else State.INVALID,
    )
    if not valid:
        raise DomainError.invalid("receipt_id", "a Bootpay notification carries a receipt_id")
    return delivery


def webhook_process(*, delivery_pk: int) -> WebhookDelivery | None:
    """Process one stored delivery if nobody else holds it. Safe to call again (duplicates, replays)."""
    now = timezone.now()
    claimable = Q(state__in=[State.RECEIVED, State.FAILED]) | Q(
        state=State.PROCESSING, claimed_at__lt=now - STALE_CLAIM
    )
    claimed = (
        WebhookDelivery.objects.filter(claimable, pk=delivery_pk)
        .filter(~Q(receipt_id=""))
        .update(state=State.PROCESSING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.get(pk=delivery_pk)
    state, error = _apply(delivery)
    delivery.state = state
    delivery.error = error
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["state", "error", "processed_at"])
    return delivery


def _apply(delivery: WebhookDelivery) -> tuple[str, str]:
    try:
        receipt = bootpay.get_gateway().lookup_receipt(delivery.receipt_id)
    except GatewayError as exc:
        if exc.code == "RC_NOT_FOUND":
            return State.UNMATCHED, "Bootpay knows no such receipt"
        return State.FAILED, f"gateway error {exc.code}"
    except GatewayUnavailable as exc:
        return State.FAILED, str(exc)
    try:
        if Payment.objects.filter(receipt_id=receipt.receipt_id).exists():
            payment_sync_from_receipt(receipt=receipt, actor=WEBHOOK_ACTOR)
        elif order := Order.objects.filter(order_id=receipt.order_id).first():
            # The buyer's browser never called verify (closed tab, lost network): bind it here.
            payment_bind_receipt(order_pk=order.pk, receipt=receipt, actor=WEBHOOK_ACTOR)
        else:
            return State.UNMATCHED, f"no order {receipt.order_id!r}"
    except DomainError as exc:
        # A refusal (amount mismatch, receipt used elsewhere…) is an outcome, recorded by the service.
        return State.PROCESSED, f"refused: {exc.code}"
    except Exception:
        logger.exception("webhook %s failed", delivery.pk)
        return State.FAILED, traceback.format_exc(limit=20)
    return State.PROCESSED, ""


def webhooks_process_pending(*, include_failed: bool = False, limit: int = 500) -> dict[str, int]:
    """Process deliveries left `received` (overflow, restarts), stale claims and, optionally, failures."""
    states = [State.RECEIVED, State.PROCESSING] + ([State.FAILED] if include_failed else [])
    pending = (
        WebhookDelivery.objects.filter(state__in=states)
        .exclude(receipt_id="")
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for delivery_pk in list(pending):
        delivery = webhook_process(delivery_pk=delivery_pk)
        outcome = delivery.state if delivery else "skipped"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- Dispatch after the response -------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_slots: threading.BoundedSemaphore | None = None
_pool_lock = threading.Lock()


def _pool() -> tuple[ThreadPoolExecutor, threading.BoundedSemaphore]:
    global _executor, _slots
    with _pool_lock:
        if _executor is None or _slots is None:
            _executor = ThreadPoolExecutor(max_workers=settings.WEBHOOK_WORKERS, thread_name_prefix="webhook")
            _slots = threading.BoundedSemaphore(max(settings.WEBHOOK_QUEUE_LIMIT, 1))
        return _executor, _slots


def _pool_reset() -> None:
    """Wait for queued work and forget the pool (tests, settings changes)."""
    global _executor, _slots
    with _pool_lock:
        if _executor is not None:
            _executor.shutdown(wait=True)
        _executor = _slots = None


def _background_submit(delivery_pk: int) -> None:
    executor, slots = _pool()
    if not slots.acquire(blocking=False):
        # A flood must not grow memory without bound: leave it stored for `process_webhooks`.
        logger.warning("webhook queue full; delivery %s left for process_webhooks", delivery_pk)
        return

    def run() -> None:
        try:
            webhook_process(delivery_pk=delivery_pk)
        except Exception:
            logger.exception("webhook %s crashed", delivery_pk)
        finally:
            slots.release()
            connection.close()

    executor.submit(run)


def webhook_dispatch(*, delivery_pk: int) -> None:
    """Process now (inline mode) or right after the response (background pool)."""
    if settings.WEBHOOK_PROCESSING == "inline":
        webhook_process(delivery_pk=delivery_pk)
        return
    transaction.on_commit(lambda: _background_submit(delivery_pk))
