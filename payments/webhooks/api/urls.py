"""The webhook endpoint, mounted under `/api/v1/` (included by payments/api/urls.py by its dotted name,
so the core's URLconf imports nothing of this capability)."""

from django.urls import path

from payments.webhooks.api.views import BootpayWebhookApi

urlpatterns = [
    path("webhooks/bootpay/", BootpayWebhookApi.as_view(), name="webhook-bootpay"),
]
