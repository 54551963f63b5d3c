"""Cash receipts' endpoint (docs/cash-receipts.md), included under `/api/v1/` by payments/api/urls.py."""

from django.urls import path

from payments.cash_receipts.api.views import OrderCashReceiptRequestApi

urlpatterns = [
    path(
        "orders/<str:order_id>/cash-receipt/",
        OrderCashReceiptRequestApi.as_view(),
        name="order-cash-receipt",
    ),
]
