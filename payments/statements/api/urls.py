"""The statements' REST path, mounted under `/api/v1/` (included by payments/api/urls.py by its dotted
name, so the core's URLconf imports nothing of this capability)."""

from django.urls import path

from payments.statements.api.views import StatementApi

urlpatterns = [
    path("statements/", StatementApi.as_view(), name="statement"),
]
