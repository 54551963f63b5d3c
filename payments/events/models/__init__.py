from payments.events.models.outbox import Event, EventType

__all__ = ["Event", "EventType"]
