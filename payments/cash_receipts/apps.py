from django.apps import AppConfig


class CashReceiptsConfig(AppConfig):
    """Cash receipts (현금영수증): the buyer's choice at checkout, issued once the money arrives, kept equal
    to the money kept through refunds, self-issued when the law requires it (docs/cash-receipts.md).

    It hooks into orders and the payment core through their signals, connected here; neither imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.cash_receipts"
    label = "cash_receipts"
    verbose_name = "Cash receipts"

    def ready(self) -> None:
        pass
