from payments.events.models.endpoints import WebhookDeliveryAttempt, WebhookEndpoint, WebhookEndpointDelivery
from payments.events.models.notifications import (
    ChannelName,
    Language,
    Notification,
    NotificationPreference,
    SandboxMessage,
)
from payments.events.models.outbox import Event, EventSeller, EventType

__all__ = [
    "ChannelName",
    "Event",
    "EventSeller",
    "EventType",
    "Language",
    "Notification",
    "NotificationPreference",
    "SandboxMessage",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
    "WebhookEndpointDelivery",
]
