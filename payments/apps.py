from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Orders never import payments: closing an unpaid order asks through orders' signal, and this
        # app (which builds on orders) answers for the order's payment.
        from orders.services import unpaid_order_closing
        from payments import checks  # noqa: F401 - registers the deploy checks (payments.W001)
        from payments.services import payment_release_for_closing_order

        unpaid_order_closing.connect(payment_release_for_closing_order, dispatch_uid="payments.closing_order")

        # An escrow payment's first shipped line registers the shipment with Bootpay (after commit).
        from orders.services import order_item_shipping
        from payments.services.escrow import payment_escrow_for_shipping

        order_item_shipping.connect(payment_escrow_for_shipping, dispatch_uid="payments.escrow.shipping")
