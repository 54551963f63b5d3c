"""Automatic payments' endpoints (docs/billing.md), included under `/api/v1/` by payments/api/urls.py."""

from django.urls import path

from payments.billing.api.views import (
    BillingKeyCollectionApi,
    BillingKeyRemoveApi,
    BillingKeyRequestApi,
    ProductPriceChangeCreateApi,
    SubscriptionCancelApi,
    SubscriptionCollectionApi,
    SubscriptionConsentApi,
    SubscriptionDetailApi,
)

urlpatterns = [
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
    path(
        "subscriptions/<str:subscription_id>/consent/",
        SubscriptionConsentApi.as_view(),
        name="subscription-consent",
    ),
    path(
        "products/<int:id>/price-changes/",
        ProductPriceChangeCreateApi.as_view(),
        name="product-price-change-list",
    ),
]
