"""Bootpay webhooks: store the raw delivery first, answer at once, then process it in a Celery task
(payments/webhooks/tasks.py, registered as `payments.tasks.process_webhook_delivery`, enqueued after
commit; the sweep takes what it missed).

The body is never trusted: processing re-fetches the receipt through the gateway and hands it to
`payment_sync_from_receipt` (or binds it to its order when the buyer's browser never called verify).
So no body may decide whether another delivery is processed: every delivery is stored, and
duplicates are coalesced per receipt, never dropped. One worker at a time holds a receipt: it claims
all of the receipt's waiting deliveries before the fetch (so the receipt it fetches is at least as new
as anything they announced), marks them done, and goes round again while new ones arrived meanwhile;
a worker finding the receipt held leaves its delivery to that loop. A delivery for an unknown
receipt is kept and marked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Min, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.coalesce import enqueue_coalesced
from config.db import savepoint_if_in_transaction
from config.errors import DomainError
from config.json import loads_limited, nul_paths
from config.request_id import bind_request_id, current_request_id
from orders.models import Order
from payments import gateway as bootpay
from payments.gateway import GatewayError, GatewayUnavailable
from payments.models import Payment, WebhookDelivery
from payments.services import Actor, payment_bind_receipt, payment_sync_from_receipt
from payments.webhooks import metrics as webhook_metrics

logger = logging.getLogger(__name__)

State = WebhookDelivery.State
WEBHOOK_ACTOR = Actor(label="webhook")


def _stale_claim() -> timedelta:
    """A claim older than this belongs to a worker that died mid-round (a round is one fetch, bounded by
    BOOTPAY_TIMEOUT_S, plus one sync): its deliveries are taken again (WEBHOOK_STALE_CLAIM_S)."""
    return timedelta(seconds=settings.WEBHOOK_STALE_CLAIM_S)


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
    # Depth-limited like every other body: a 1,000-level body is unusable (stored as invalid), not a 500.
    try:
        data = loads_limited(text, settings.JSON_MAX_DEPTH)
    except ValueError:  # too deep, or not JSON
        return {}
    if not isinstance(data, dict) or next(nul_paths(data), None) is not None:
        return {}  # a \u0000 escape would otherwise reach the dedupe key and PostgreSQL text columns
    return data


def webhook_receive(
    *, raw_body: bytes, content_type: str, headers: dict[str, str], remote_ip: str | None
) -> WebhookDelivery:
    """Store a delivery exactly as received, always as a new row (see the module docstring).

    Raises validation_error for a body without a usable receipt_id (still stored, as `invalid`).
    """
    body = _parse_body(raw_body, content_type)
    receipt_id = body.get("receipt_id")
    valid = bootpay.is_receipt_id(receipt_id)
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
        request_id=current_request_id(),
    )
    webhook_metrics.deliveries_received(valid=valid)
    if not valid:
        raise DomainError.invalid("receipt_id", "a Bootpay notification carries a receipt_id")
    return delivery


def webhook_process(
    *, delivery_pk: int, retry_failed: bool = False, raise_unavailable: bool = False
) -> WebhookDelivery | None:
    """Process a stored delivery together with every other waiting delivery of its receipt.

    Returns the delivery when this call processed it; None when there was nothing to do for it:
    already processed (a task delivered twice), or its receipt held by another worker, which then
    processes it right after its current fetch. Safe to call again and concurrently.
    `retry_failed` also takes the delivery when its processing failed (replays).
    `raise_unavailable`: when the delivery's round failed because Bootpay was unavailable (the delivery
    is then recorded `failed`), raise that GatewayUnavailable, for the caller to retry later.
    """
    outcome = webhook_process_outcome(
        delivery_pk=delivery_pk, retry_failed=retry_failed, raise_unavailable=raise_unavailable
    )
    return None if outcome is None else WebhookDelivery.objects.get(pk=delivery_pk)


def webhook_process_outcome(
    *, delivery_pk: int, retry_failed: bool = False, raise_unavailable: bool = False
) -> str | None:
    """`webhook_process`, answering only the state the delivery was left in (None: nothing to do for it),
    without reading the row again: what the Celery task needs."""
    also = Q(pk=delivery_pk, state=State.FAILED) if retry_failed else None
    with transaction.atomic():
        row = _delivery_receipt_locked(delivery_pk)
        if row is None:
            return None
        receipt_id, request_id = row
        token, claimed = _claim(receipt_id, also=also)
    # Log lines of the processing carry the id of the request that received the delivery.
    with bind_request_id(request_id or current_request_id()):
        result = _rounds(receipt_id, token, claimed)
    if delivery_pk not in result.outcomes:
        return None
    if raise_unavailable and (unavailable := result.unavailable.get(delivery_pk)) is not None:
        raise unavailable
    return result.outcomes[delivery_pk]


def webhooks_process_pending(
    *,
    include_failed: bool = False,
    limit: int = 500,
    grace: timedelta = timedelta(0),
    failed_after: timedelta = timedelta(0),
    max_attempts: int | None = None,
) -> dict[str, int]:
    """Process what no worker finished: deliveries left `received` (broker down, lost tasks), stale
    claims (a crashed worker) and, with `include_failed`, failures; one coalesced round per receipt,
    for at most `limit` receipts. Counts deliveries by outcome; `skipped` counts receipts a live
    worker holds (it finishes them).

    Sweeps: `grace` leaves deliveries received that recently to their own task; failures are taken
    again `failed_after` their last attempt, while fewer than `max_attempts` were made. Safe to run
    several at once: each receipt is processed by one of them (the claim), the others skip it.
    """
    now = timezone.now()
    failed = None
    if include_failed:
        failed = Q(state=State.FAILED, processed_at__lte=now - failed_after)
        if max_attempts is not None:
            failed &= Q(attempts__lt=max_attempts)
    waiting = _waiting(now) & Q(received_at__lte=now - grace)
    if failed is not None:
        waiting |= failed
    receipts = (
        WebhookDelivery.objects.filter(waiting)
        .exclude(receipt_id="")
        .values("receipt_id")
        .annotate(first_received_at=Min("received_at"), some_request_id=Min("request_id"))
        .order_by("first_received_at", "receipt_id")[:limit]
    )
    counts: dict[str, int] = {}
    for row in list(receipts):
        with bind_request_id(row["some_request_id"] or current_request_id()):
            outcomes = _receipt_process(row["receipt_id"], also=failed).outcomes
        for outcome in outcomes.values() if outcomes else ["skipped"]:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- One receipt at a time -------------------------------------------------------------------------


def _waiting_sql(now: datetime) -> tuple[str, list[Any]]:
    """Deliveries no live worker holds: never claimed, or claimed by a worker that went silent. In SQL
    (columns of the delivery table, unqualified): the claim runs it as is, the sweep through `_waiting`."""
    stale_before = connection.ops.adapt_datetimefield_value(now - _stale_claim())
    sql = "(state = %s OR (state = %s AND claimed_at < %s))"
    return sql, [State.RECEIVED, State.PROCESSING, stale_before]


def _waiting(now: datetime) -> Q:
    return Q(RawSQL(*_waiting_sql(now), output_field=BooleanField()))


_LOCK_PREFIX = "bootpay-webhook:"
_TABLE = WebhookDelivery._meta.db_table


def _receipt_lock(receipt_id: str) -> None:
    """Serialise the claim and release steps for one receipt until the transaction ends.

    PostgreSQL only: under READ COMMITTED two concurrent claims could both see the receipt free and
    take disjoint rows; behind this lock the second one sees the first one's committed claim. SQLite
    runs one writer at a time, which serialises the steps (less strictly: busy errors are possible).
    The key is hashed in SQL so that `_delivery_receipt_locked` can take the same lock in its read.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [_LOCK_PREFIX + receipt_id])


def _delivery_receipt_locked(delivery_pk: int) -> tuple[str, str | None] | None:
    """The delivery's (receipt_id, request_id), with its receipt's `_receipt_lock` taken: one statement
    on PostgreSQL. None for no such delivery, or one without a receipt. Call inside a transaction."""
    if connection.vendor != "postgresql":
        row = (
            WebhookDelivery.objects.filter(pk=delivery_pk)
            .exclude(receipt_id="")
            .values_list("receipt_id", "request_id")
            .first()
        )
        return None if row is None else (row[0], row[1])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT receipt_id, request_id, pg_advisory_xact_lock(hashtextextended(%s || receipt_id, 0)) "
            f"FROM {_TABLE} WHERE id = %s AND receipt_id <> ''",
            [_LOCK_PREFIX, delivery_pk],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def _claim(receipt_id: str, *, also: Q | None = None) -> tuple[str, list[int]]:
    """Take all waiting deliveries of a receipt for one round, unless a live worker holds it.

    Call under `_receipt_lock`. Returns the round's token and the claimed pks (none when held): one
    `UPDATE … RETURNING` (PostgreSQL and SQLite both have it), written in SQL because it runs twice per
    delivery and compiling it through the ORM cost more CPU than the rest of the round; `also` (replays,
    the sweep's failures) goes through the ORM.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    waiting, params = _waiting_sql(now)
    if also is not None:
        chosen = WebhookDelivery.objects.filter(also).order_by().values("pk")
        also_sql, also_params = chosen.query.sql_with_params()
        waiting, params = f"({waiting} OR id IN ({also_sql}))", [*params, *also_params]
    live_since = connection.ops.adapt_datetimefield_value(now - _stale_claim())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, claimed_at = %s, claim_token = %s, attempts = attempts + 1 "
            f"WHERE receipt_id = %s AND {waiting} AND NOT EXISTS (SELECT 1 FROM {_TABLE} held "
            "WHERE held.receipt_id = %s AND held.state = %s AND held.claimed_at >= %s) RETURNING id",
            [
                State.PROCESSING,
                connection.ops.adapt_datetimefield_value(now),
                token,
                receipt_id,
                *params,
                receipt_id,
                State.PROCESSING,
                live_since,
            ],
        )
        return token, [pk for (pk,) in cursor.fetchall()]


def _release(token: str, *, state: str, error: str) -> None:
    """Record a round's outcome on the rows it still holds: if its claim went stale and was taken over,
    the newer round wins. Call under `_receipt_lock`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, error = %s, processed_at = %s "
            "WHERE claim_token = %s AND state = %s",
            [state, error, connection.ops.adapt_datetimefield_value(timezone.now()), token, State.PROCESSING],
        )


@dataclass
class _Result:
    outcomes: dict[int, str] = field(default_factory=dict)  # {pk: state} of the deliveries processed
    unavailable: dict[int, GatewayUnavailable] = field(default_factory=dict)  # failed for that reason


def _receipt_process(receipt_id: str, *, also: Q | None = None) -> _Result:
    """Re-sync a receipt for its waiting deliveries, round after round."""
    with transaction.atomic():
        _receipt_lock(receipt_id)
        token, claimed = _claim(receipt_id, also=also)
    return _rounds(receipt_id, token, claimed)


def _rounds(receipt_id: str, token: str, claimed: list[int]) -> _Result:
    """From a first claim (`token`, `claimed`), process the receipt until no delivery waits."""
    result = _Result()
    while claimed:
        state, error, unavailable = _apply(receipt_id)  # outside any transaction: a network call
        with transaction.atomic():
            _receipt_lock(receipt_id)
            _release(token, state=state, error=error)
            result.outcomes.update(dict.fromkeys(claimed, state))
            webhook_metrics.deliveries_settled(state=state, count=len(claimed))
            if unavailable is not None:
                result.unavailable.update(dict.fromkeys(claimed, unavailable))
            # Deliveries stored during our fetch were left to us by their workers (we held the
            # receipt); they checked under this same lock, so taking them here leaves none behind.
            token, claimed = _claim(receipt_id)
    return result


def _apply(receipt_id: str) -> tuple[str, str, GatewayUnavailable | None]:
    """One round's outcome (and the GatewayUnavailable behind a failure); never raises, so the
    round's deliveries always get it. Run inside a caller's transaction (a test, a replay in one), a
    database error fails the round, not that transaction: the round gets a savepoint there."""
    try:
        with savepoint_if_in_transaction():
            return _sync(receipt_id)
    except Exception:
        logger.exception("webhook for receipt %s failed", receipt_id)
        return State.FAILED, traceback.format_exc(limit=20), None


def _sync(receipt_id: str) -> tuple[str, str, GatewayUnavailable | None]:
    try:
        receipt = bootpay.get_gateway().lookup_receipt(receipt_id)
    except GatewayError as exc:
        if exc.code == "RC_NOT_FOUND":
            return State.UNMATCHED, "Bootpay knows no such receipt", None
        return State.FAILED, f"gateway error {exc.code}", None
    except GatewayUnavailable as exc:
        return State.FAILED, str(exc), exc
    try:
        if payment := Payment.objects.filter(receipt_id=receipt.receipt_id).first():
            payment_sync_from_receipt(receipt=receipt, actor=WEBHOOK_ACTOR, payment=payment)
        elif order := Order.objects.filter(order_id=receipt.order_id).first():
            # The buyer's browser never called verify (closed tab, lost network): bind it here.
            payment_bind_receipt(order_pk=order.pk, receipt=receipt, actor=WEBHOOK_ACTOR)
        else:
            return State.UNMATCHED, f"no order {receipt.order_id!r}", None
    except DomainError as exc:
        # A refusal (amount mismatch, receipt used elsewhere…) is an outcome, recorded by the service.
        return State.PROCESSED, f"refused: {exc.code}", None
    return State.PROCESSED, "", None


# --- Dispatch after the response -------------------------------------------------------------------

# Set while a dispatch is queued and has not started (config/coalesce.py): a burst of notices queues one.
DISPATCH_QUEUED_KEY = "webhooks:dispatch-queued"
# Deliveries one dispatch enqueues at most; a dispatch that reaches it queues the next one at once.
DISPATCH_BATCH = 500


def webhook_dispatch(*, delivery_pk: int) -> None:
    """Have the delivery processed once it is committed: one coalesced dispatch (a cache `add`, then at
    most one Celery message per burst) instead of a message per delivery; eager without a broker."""
    transaction.on_commit(_dispatch_soon)


def _dispatch_soon() -> None:
    from payments.webhooks.tasks import dispatch_webhook_deliveries

    # Broker down: the delivery is stored and Bootpay has its answer; `sweep_webhook_deliveries` takes it.
    enqueue_coalesced(dispatch_webhook_deliveries, key=DISPATCH_QUEUED_KEY, what="webhook dispatch")


def webhooks_dispatch(*, limit: int = DISPATCH_BATCH) -> int:
    """Enqueue the processing of every stored delivery no dispatch has queued yet: one task per receipt
    (its round takes the receipt's other waiting deliveries). Returns the number of tasks sent."""
    cache.delete(DISPATCH_QUEUED_KEY)  # before reading: a delivery committed from now on queues its own
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=State.RECEIVED, queued_at__isnull=True)
            .exclude(receipt_id="")
            .order_by("pk")
            .values_list("pk", "receipt_id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(queued_at=timezone.now())
    first_of_receipt: dict[str, int] = {}
    for pk, receipt_id in rows:
        first_of_receipt.setdefault(receipt_id, pk)
    for pk in first_of_receipt.values():
        _enqueue(pk)
    if len(rows) == limit:
        _dispatch_soon()
    return len(first_of_receipt)


def _enqueue(delivery_pk: int) -> None:
    from celery.exceptions import Retry

    from payments.webhooks.tasks import process_webhook_delivery

    try:
        process_webhook_delivery.delay(delivery_pk)
    except Retry:
        # Eager (no broker): the task ran here and found Bootpay unavailable; with no worker to run
        # its retry later, the delivery stays `failed` for `process_webhooks --failed`.
        logger.warning(
            "webhook delivery %s failed (Bootpay unavailable); not retried without a broker", delivery_pk
        )
    except Exception:
        # Broker down: the delivery is stored, the sweep (`sweep_webhook_deliveries`) takes it later.
        logger.exception("could not enqueue webhook delivery %s; left for the sweep", delivery_pk)
