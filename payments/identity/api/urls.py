"""Identity verification's endpoints (docs/identity.md), included under `/api/v1/` by payments/api/urls.py."""

from django.urls import path

from payments.identity.api.views import (
    IdentitySmsConfirmApi,
    IdentitySmsRequestApi,
    IdentitySmsResendApi,
    IdentityStateApi,
    IdentityVerifyApi,
)

urlpatterns = [
    path("identity/", IdentityStateApi.as_view(), name="identity-state"),
    path("identity/verifications/", IdentityVerifyApi.as_view(), name="identity-verify"),
    path("identity/sms/", IdentitySmsRequestApi.as_view(), name="identity-sms"),
    path("identity/sms/confirm/", IdentitySmsConfirmApi.as_view(), name="identity-sms-confirm"),
    path("identity/sms/resend/", IdentitySmsResendApi.as_view(), name="identity-sms-resend"),
]
