"""The beat task bodies (`payments.billing.tasks`, and the commands `charge_due_subscriptions` and
`settle_subscription_reservations` for deployments without beat).

Renewals fan out (docs/billing.md, "How renewals run"): the beat's scheduler only selects the due
subscriptions and enqueues one task each (`subscriptions_enqueue_due`); each task charges one
(`subscription_renew`) under the ceilings of `services/ceilings.py`. `subscriptions_charge_due` charges the
same list serially in this process (the command, and callers that hand in a gateway)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config.db import savepoint_if_in_transaction
from config.errors import DomainError, ErrorCode
from payments.billing.models import Subscription
from payments.billing.services.ceilings import Permit, charge_ceilings, redis_client
from payments.billing.services.charge import subscription_charge_attempt
from payments.billing.services.common import SubStatus
from payments.billing.services.outcomes import subscription_charges_mark_lost
from payments.billing.services.reservations import subscription_reservation_settle
from payments.gateway import Gateway
from payments.services.common import (
    gateway_or_default,
    logger,
)

# The reservation lookup leaves Bootpay (and its webhook) this long after the execution time first.
RESERVATION_SETTLE_AFTER = timedelta(minutes=5)

# The subscriptions whose renewal task waits in the queue: member = pk, score = when the mark lapses (ms).
QUEUED_KEY = "billing:renewal:queued"

# Marks the given pks queued, as many as the room under the maximum allows, skipping those still marked
# (lapsed marks are dropped first). Returns {lapse, full (0/1), pk…}: the pks marked now.
_MARK_QUEUED = """
local now = tonumber(ARGV[3])
if now == nil then local t = redis.call('TIME'); now = t[1] * 1000 + math.floor(t[2] / 1000) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lapse = now + tonumber(ARGV[1])
local room = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local marked = {lapse, 0}
for i = 4, #ARGV do
  if room <= 0 then marked[2] = 1; break end
  if redis.call('ZADD', KEYS[1], 'NX', lapse, ARGV[i]) == 1 then
    marked[#marked + 1] = tonumber(ARGV[i]); room = room - 1
  end
end
return marked
"""

# Clears a pk's mark if it is still the one its task was enqueued with (not a later one's).
_UNMARK = """
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
"""


def _due_pages(now: datetime, page_size: int) -> Iterator[list[int]]:
    """The pks of the subscriptions due a charge (or retry) at `now`, in pages by (next_charge_at, pk).
    Reserved ones are Bootpay's to charge (`subscriptions_settle_reservations`)."""
    due = Subscription.objects.filter(
        status__in=Subscription.LIVE_STATUSES, next_charge_at__lte=now, reserve_id=""
    )
    after: tuple[datetime, int] | None = None
    while True:
        page = due
        if after is not None:
            page = page.filter(Q(next_charge_at__gt=after[0]) | Q(next_charge_at=after[0], pk__gt=after[1]))
        rows = list(page.order_by("next_charge_at", "pk").values_list("next_charge_at", "pk")[:page_size])
        if rows:
            yield [pk for _, pk in rows]
        if len(rows) < page_size:
            return
        after = rows[-1]


def subscriptions_enqueue_due(
    *, enqueue: Callable[[int, int | None], object], now: datetime | None = None, page_size: int = 500
) -> int:
    """The beat's scheduler: enqueue a renewal task (`enqueue(pk, queued)`) per due subscription not
    queued already; returns how many it enqueued. With Redis each is marked queued first
    (BILLING_RENEWAL_QUEUED_TTL_S, at most BILLING_RENEWAL_QUEUE_MAX at once), so a tick, or two
    schedulers at once, never enqueue one twice while its task waits. Without Redis the tasks run inline:
    nothing waits, nothing is marked."""
    now = now or timezone.now()
    subscription_charges_mark_lost(now=now)
    client = redis_client(settings.REDIS_URL) if settings.REDIS_URL else None
    mark = client.register_script(_MARK_QUEUED) if client is not None else None
    enqueued = 0
    for pks in _due_pages(now, page_size):
        queued, full = None, False
        if mark is not None:
            lapse, full, *pks = mark(
                keys=[QUEUED_KEY],
                args=[
                    settings.BILLING_RENEWAL_QUEUED_TTL_S * 1000,
                    settings.BILLING_RENEWAL_QUEUE_MAX,
                    "",
                    *pks,
                ],
            )
            queued = lapse
        for subscription_pk in pks:
            try:
                enqueue(subscription_pk, queued)
            except Exception:
                renewal_unmark(subscription_pk, queued)  # not sent: the next tick tries again
                raise
            enqueued += 1
        if full:
            break
    return enqueued


def renewal_unmark(subscription_pk: int, queued: int | None) -> None:
    """The renewal task enqueued with mark `queued` has run: the subscription may be enqueued again."""
    if queued is not None and settings.REDIS_URL:
        client = redis_client(settings.REDIS_URL)
        client.register_script(_UNMARK)(keys=[QUEUED_KEY], args=[subscription_pk, queued])


def subscription_renew(
    *,
    subscription_pk: int,
    gateway: Gateway | None = None,
    now: datetime | None = None,
    queued: int | None = None,
) -> str | Permit:
    """One renewal under the ceilings: the subscription's due period charged once (claimed under its lock,
    `skip_locked`: another worker holding it is `held`). Returns the outcome word
    (`ChargeAttempt.outcome`; `cancelled` when the subscription ended meanwhile), or the refused `Permit`
    when a ceiling is reached: nothing was claimed, the caller asks again after `wait_s`."""
    ceilings = charge_ceilings()
    permit = ceilings.acquire()
    if not permit.granted:
        return permit
    try:
        with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
            outcome = subscription_charge_attempt(
                subscription_pk=subscription_pk, gateway=gateway, now=now, skip_locked=True
            ).outcome
    except DomainError as exc:
        outcome = "cancelled" if exc.code == ErrorCode.SUBSCRIPTION_NOT_ACTIVE else f"refused:{exc.code}"
    finally:
        ceilings.release(permit.token)
    renewal_unmark(subscription_pk, queued)
    return outcome


def subscriptions_charge_due(
    *,
    now: datetime | None = None,
    gateway: Gateway | None = None,
    batch_size: int = 100,
    time_budget_s: float = 180,
) -> dict[str, int]:
    """Charge the due subscriptions one after another in this process (the command; tests that hand in a
    gateway); returns a count per outcome (`subscription_renew`), e.g. {"charged": 2, "held": 1}. Waits
    when a ceiling is reached; stops starting new charges after `time_budget_s`. Safe beside the workers:
    each period's charge is claimed under its subscription's lock."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    started = time.monotonic()
    subscription_charges_mark_lost(now=now)
    counts: Counter[str] = Counter()
    for pks in _due_pages(now, batch_size):
        for subscription_pk in pks:
            while time.monotonic() - started < time_budget_s:
                try:
                    outcome = subscription_renew(subscription_pk=subscription_pk, gateway=gateway, now=now)
                except Exception:  # one broken subscription must not stop the others
                    logger.exception("charging subscription pk=%s failed", subscription_pk)
                    outcome = "error"
                if not isinstance(outcome, Permit):
                    counts[outcome] += 1
                    break
                time.sleep(outcome.wait_s)
            else:
                return dict(counts)
    return dict(counts)


def subscriptions_settle_reservations(
    *, now: datetime | None = None, gateway: Gateway | None = None, limit: int = 200
) -> dict[str, int]:
    """Reservations past their execution time (plus a margin for Bootpay and its webhook), and those
    left on cancelled subscriptions: each looked up and applied (`subscription_reservation_settle`)."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    rows = (
        Subscription.objects.exclude(reserve_id="")
        .filter(Q(next_charge_at__lte=now - RESERVATION_SETTLE_AFTER) | Q(status=SubStatus.CANCELLED))
        .order_by("next_charge_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for subscription_pk in list(rows):
        try:
            with savepoint_if_in_transaction():  # in a caller's transaction: one failure, not all
                outcome = subscription_reservation_settle(subscription_pk=subscription_pk, gateway=gateway)
        except DomainError as exc:
            outcome = f"refused:{exc.code}"
        except Exception:
            logger.exception("settling the reservation of subscription pk=%s failed", subscription_pk)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
