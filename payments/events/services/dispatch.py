"""Handing new events to their consumers, in order, once.

`events_dispatch` takes the undispatched events oldest first, one dispatcher at a time (a second waits,
then finds them done), numbers them for the catch-up list (`Event.sequence`), sends `event_dispatching`
for each inside that transaction and marks them dispatched. A consumer (partner webhooks,
notifications) creates its own durable rows there, in the same transaction, and starts its network
work after commit: an event is never half handed over, and a crash before the commit leaves it for the
next run (the beat sweep, or the next event's commit).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone

from payments.events.models import Event

# Sent with `event`, in pk order, inside the dispatch transaction. Receivers write rows only; network
# work goes to `transaction.on_commit`.
event_dispatching = Signal()

DISPATCH_LOCK_ID = 0x45564E54  # "EVNT": the dispatcher's advisory lock key


def _dispatch_lock() -> None:
    """One dispatcher at a time until commit (PostgreSQL; SQLite writes one at a time anyway): the
    catch-up list's numbers are then given in commit order, so a partner walking it never skips one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISPATCH_LOCK_ID])


def events_dispatch(*, batch: int = 200) -> int:
    """Dispatch every undispatched event; returns how many this call dispatched."""
    dispatched = 0
    while True:
        with transaction.atomic():
            _dispatch_lock()
            events = list(
                Event.objects.select_for_update(of=("self",))
                .filter(dispatched_at__isnull=True)
                .order_by("pk")[:batch]
            )
            numbered = Event.objects.filter(sequence__gt=0)  # reads the unique index's end
            last = (numbered.aggregate(last=Max("sequence"))["last"] or 0) if events else 0
            now = timezone.now()
            for number, event in enumerate(events, start=last + 1):
                event_dispatching.send(sender=Event, event=event)
                event.sequence, event.dispatched_at = number, now
            if events:
                Event.objects.bulk_update(events, ["sequence", "dispatched_at"])
        dispatched += len(events)
        if len(events) < batch:
            return dispatched
