"""Payment, automatic payment and webhook endpoints, mounted under `/api/v1/` by config/urls.py."""

from django.urls import include, path

from payments.api.statement_views import StatementApi
from payments.api.views import (
    BootpayWebhookApi,
    CheckoutConfigApi,
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
    # Automatic payments (docs/billing.md): the capability's own URLconf, named by its dotted path so
    # that this core module imports nothing of billing.
    path("", include("payments.billing.api.urls")),
    # Seller statements (docs/statements.md)
    path("statements/", StatementApi.as_view(), name="statement"),
    path("checkout/config/", CheckoutConfigApi.as_view(), name="checkout-config"),
]
