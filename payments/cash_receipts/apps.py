from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashReceiptsConfig(AppConfig):
    """Cash receipts (현금영수증): the buyer's choice at checkout, issued once the money arrives, kept equal
    to the money kept through refunds, self-issued when the law requires it (docs/cash-receipts.md).

    It hooks into orders and the payment core through their signals, connected here; neither imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.cash_receipts"
    label = "cash_receipts"
    verbose_name = _("Cash receipts")

    def ready(self) -> None:
        from orders.services import order_created
        from payments.cash_receipts.services import on_order_created, on_order_paid, on_payment_refunded
        from payments.services.common import order_paid, payment_refunded

        # The checkout's `cash_receipt` choice is stored with the order (a bad one refuses the order).
        order_created.connect(on_order_created, dispatch_uid="payments.cash_receipts.order_created")
        # The money arrived: issue (after commit). A refund: cancel, and re-issue for what is kept.
        order_paid.connect(on_order_paid, dispatch_uid="payments.cash_receipts.order_paid")
        payment_refunded.connect(on_payment_refunded, dispatch_uid="payments.cash_receipts.payment_refunded")
