"""A view that fails holding secrets (tests/config/observability/test_sentry.py), in front of the real
middleware and URLs."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("payments.billing")

BILLING_KEY = "bk-plain-7f3a9c2e5d1b4a60"
IDENTITY_NO = "9202021234567"


@csrf_exempt  # a partner-style POST, without a browser's CSRF token
def failing_view(request: HttpRequest) -> HttpResponse:
    billing_key = BILLING_KEY  # noqa: F841 (a local the report would show)
    private_key = settings.BOOTPAY_PRIVATE_KEY  # noqa: F841
    identity_no = IDENTITY_NO  # noqa: F841
    charge = {"billing_key": BILLING_KEY, "card_number": "5365123412341234"}  # noqa: F841
    logger.info("charging", extra={"billing_key": BILLING_KEY})  # a breadcrumb
    raise RuntimeError(
        f"Bootpay refused /v2/subscribe/billing_key/{BILLING_KEY} for buyer.sentry@example.com"
    )


urlpatterns = [path("boom/", failing_view), path("", include("config.urls"))]
