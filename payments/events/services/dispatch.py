"""Handing new events to their consumers, in order, once.

`events_dispatch` takes the undispatched events oldest first under row locks (a second dispatcher waits,
then finds them done), sends `event_dispatching` for each inside that transaction and marks them
dispatched. A consumer (partner webhooks, notifications) creates its own durable rows there, in the same
transaction, and starts its network work after commit: an event is never half handed over, and a
crash before the commit leaves it for the next run (the beat sweep, or the next event's commit).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from payments.events.models import Event

# Sent with `event`, in pk order, inside the dispatch transaction. Receivers write rows only; network
# work goes to `transaction.on_commit`.
event_dispatching = Signal()


def events_dispatch(*, batch: int = 200) -> int:
    """Dispatch every undispatched event; returns how many this call dispatched."""
    dispatched = 0
    while True:
        with transaction.atomic():
            events = list(
                Event.objects.select_for_update(of=("self",))
                .filter(dispatched_at__isnull=True)
                .order_by("pk")[:batch]
            )
            for event in events:
                event_dispatching.send(sender=Event, event=event)
            if events:
                Event.objects.filter(pk__in=[event.pk for event in events]).update(
                    dispatched_at=timezone.now()
                )
        dispatched += len(events)
        if len(events) < batch:
            return dispatched
