"""The events capability's REST paths, mounted under `/api/v1/` (included by payments/api/urls.py by its
dotted name, so the core's URLconf imports nothing of this capability)."""

from django.urls import path

from payments.events.api.endpoints import (
    WebhookDeliveryListApi,
    WebhookDeliveryReplayApi,
    WebhookEndpointCollectionApi,
    WebhookEndpointDetailApi,
    WebhookEndpointRotateSecretApi,
)
from payments.events.api.notification_views import NotificationPreferenceApi
from payments.events.api.views import EventListApi

urlpatterns = [
    path("events/", EventListApi.as_view(), name="event-list"),
    path("webhook-endpoints/", WebhookEndpointCollectionApi.as_view(), name="webhook-endpoint-list"),
    path(
        "webhook-endpoints/<str:endpoint_id>/",
        WebhookEndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret/",
        WebhookEndpointRotateSecretApi.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries/",
        WebhookDeliveryListApi.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries/<str:delivery_id>/replay/",
        WebhookDeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
    path(
        "notification-preferences/",
        NotificationPreferenceApi.as_view(),
        name="notification-preferences",
    ),
]
