from payments.events.models.endpoints import WebhookDeliveryAttempt, WebhookEndpoint, WebhookEndpointDelivery
from payments.events.models.outbox import Event, EventType

__all__ = ["Event", "EventType", "WebhookDeliveryAttempt", "WebhookEndpoint", "WebhookEndpointDelivery"]
