from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    """Seller statements (docs/statements.md): served from per-seller, per-day rollups it keeps through
    the core's signals (connected here; the core never imports it), checked against the raw rows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.statements"
    label = "statements"
    verbose_name = _("Seller statements")

    def ready(self) -> None:
        from payments.statements import receivers

        receivers.connect()
