"""The TEST PAYMENT panel's endpoints under `/api/v1/`, mounted by config/urls.py in sandbox mode only."""

from django.urls import path

from payments.sandbox.api import SandboxBillingKeyApi, SandboxIdentityApi, SandboxPaymentApi

urlpatterns = [
    path("sandbox/payments/", SandboxPaymentApi.as_view(), name="sandbox-payment"),
    path("sandbox/billing-keys/", SandboxBillingKeyApi.as_view(), name="sandbox-billing-key"),
    path("sandbox/identity/", SandboxIdentityApi.as_view(), name="sandbox-identity"),
]
