from django.apps import AppConfig


class StatementsConfig(AppConfig):
    """Seller statements: no models of their own, so no migrations; an app so that its commands
    (`statement`, `reconcile_statement`) are found."""

    name = "payments.statements"
    label = "statements"
    verbose_name = "Seller statements"
