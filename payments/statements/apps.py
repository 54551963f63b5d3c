from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    """Seller statements: no models of their own, so no migrations; an app so that its commands
    (`statement`, `reconcile_statement`) are found."""

    name = "payments.statements"
    label = "statements"
    verbose_name = _("Seller statements")
