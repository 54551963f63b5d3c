"""Payment, automatic payment and webhook endpoints, mounted under `/api/v1/` by config/urls.py."""

from django.urls import include, path

from payments.api.billing_views import (
    BillingKeyCollectionApi,
    BillingKeyRemoveApi,
    BillingKeyRequestApi,
    SubscriptionCancelApi,
    SubscriptionCollectionApi,
    SubscriptionDetailApi,
)
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
    # Bootpay's webhooks (payments/webhooks/): included by name, the core imports no capability
    path("", include("payments.webhooks.api.urls")),
    # Automatic payments (docs/billing.md)
    path("billing-keys/", BillingKeyCollectionApi.as_view(), name="billing-key-list"),
    path("billing-keys/requests/", BillingKeyRequestApi.as_view(), name="billing-key-request"),
    path("billing-keys/<str:billing_key_id>/", BillingKeyRemoveApi.as_view(), name="billing-key-detail"),
    path("subscriptions/", SubscriptionCollectionApi.as_view(), name="subscription-list"),
    path("subscriptions/<str:subscription_id>/", SubscriptionDetailApi.as_view(), name="subscription-detail"),
    path(
        "subscriptions/<str:subscription_id>/cancel/",
        SubscriptionCancelApi.as_view(),
        name="subscription-cancel",
    ),
    # Seller statements (payments/statements/, docs/statements.md): included by name, as above
    path("", include("payments.statements.api.urls")),
    path("checkout/config/", CheckoutConfigApi.as_view(), name="checkout-config"),
]
