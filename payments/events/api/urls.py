"""The events capability's REST paths, mounted under `/api/v1/` (included by payments/api/urls.py by its
dotted name, so the core's URLconf imports nothing of this capability)."""

from django.urls import path

from payments.events.api.notification_views import NotificationPreferenceApi
from payments.events.api.views import EventListApi

urlpatterns = [
    path("events/", EventListApi.as_view(), name="event-list"),
    path(
        "notification-preferences/",
        NotificationPreferenceApi.as_view(),
        name="notification-preferences",
    ),
]
