from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Automatic payments, a capability built on the payment core (docs/billing.md).

    It hooks into the core through the core's signals, connected here; the core imports nothing of it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.billing"
    label = "billing"
    verbose_name = _("Automatic payments")

    def ready(self) -> None:
        from orders.services import unpaid_order_closing
        from payments.billing import metrics  # noqa: F401  declared in every process, the web's /metrics too
        from payments.billing.services import (
            on_order_paid,
            on_payment_refused,
            on_period_open_outcomes,
            on_unpaid_order_closing,
        )
        from payments.services.common import order_paid, payment_refused
        from payments.services.reconcile import period_open_outcomes

        # A subscription's period advances once its order's payment is booked, whichever path booked it.
        order_paid.connect(on_order_paid, dispatch_uid="payments.billing.order_paid")
        # A period's charge whose outcome was open is settled by its receipt, refused and refunded.
        payment_refused.connect(on_payment_refused, dispatch_uid="payments.billing.payment_refused")
        # The statement reconciliation reports every charge whose outcome is open.
        period_open_outcomes.connect(on_period_open_outcomes, dispatch_uid="payments.billing.open_outcomes")
        # A subscription period's order: the expiry leaves it open while the subscription is live, and
        # a buyer's close ends the subscription and revokes its reservation.
        unpaid_order_closing.connect(on_unpaid_order_closing, dispatch_uid="payments.billing.closing_order")
