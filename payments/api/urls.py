"""Payment and webhook endpoints, mounted under `/api/v1/` by config/urls.py."""

from django.urls import path

from payments.api.views import (
    BootpayWebhookApi,
    PaymentCancelApi,
    PaymentConfirmApi,
    PaymentDetailApi,
    PaymentListApi,
    PaymentVerifyApi,
)

urlpatterns = [
    path("payments/", PaymentListApi.as_view(), name="payment-list"),
    path("payments/verify/", PaymentVerifyApi.as_view(), name="payment-verify"),
    path("payments/<str:payment_id>/", PaymentDetailApi.as_view(), name="payment-detail"),
    path("payments/<str:payment_id>/confirm/", PaymentConfirmApi.as_view(), name="payment-confirm"),
    path("payments/<str:payment_id>/cancel/", PaymentCancelApi.as_view(), name="payment-cancel"),
    path("webhooks/bootpay/", BootpayWebhookApi.as_view(), name="webhook-bootpay"),
]
