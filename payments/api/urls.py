"""Payment, automatic payment and webhook endpoints, mounted under `/api/v1/` by config/urls.py."""

from django.urls import include, path

from payments.api.views import (
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
    path("checkout/config/", CheckoutConfigApi.as_view(), name="checkout-config"),
    # Bootpay's webhooks (payments/webhooks/), automatic payments (payments/billing/, docs/billing.md) and
    # seller statements (payments/statements/, docs/statements.md), cash receipts (payments/cash_receipts/,
    # docs/cash-receipts.md): each capability's own URLconf,
    # included by its dotted name, so that this core module imports none of them.
    path("", include("payments.webhooks.api.urls")),
    path("", include("payments.billing.api.urls")),
    path("", include("payments.statements.api.urls")),
    path("", include("payments.identity.api.urls")),  # payments/identity/, docs/identity.md
    path("", include("payments.cash_receipts.api.urls")),
    path("", include("payments.events.api.urls")),  # payments/events/, docs/events.md
]
