from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Orders never import payments: closing an unpaid order asks through orders' signal, and this
        # app (which builds on orders) answers for the order's payment.
        from orders.services import unpaid_order_closing
        from payments import checks  # noqa: F401 - registers the deploy checks (payments.W001)
        from payments.services import payment_release_for_closing_order

        unpaid_order_closing.connect(payment_release_for_closing_order, dispatch_uid="payments.closing_order")

        # A subscription's period advances once its order's payment is booked, whichever path booked it.
        from payments.services.billing import on_order_paid, on_payment_refused, on_unpaid_order_closing
        from payments.services.common import order_paid, payment_refused

        order_paid.connect(on_order_paid, dispatch_uid="payments.billing.order_paid")
        # A period's charge whose outcome was open is settled by its receipt, refused and refunded.
        payment_refused.connect(on_payment_refused, dispatch_uid="payments.billing.payment_refused")
        # The statement reconciliation reports every charge whose outcome is open.
        from payments.services.billing import on_period_open_outcomes
        from payments.services.reconcile import period_open_outcomes

        period_open_outcomes.connect(on_period_open_outcomes, dispatch_uid="payments.billing.open_outcomes")
        # A subscription period's order: the expiry leaves it open while the subscription is live, and
        # a buyer's close ends the subscription and revokes its reservation.
        unpaid_order_closing.connect(on_unpaid_order_closing, dispatch_uid="payments.billing.closing_order")

        # An escrow payment's first shipped line registers the shipment with Bootpay (after commit).
        from orders.services import order_item_shipping
        from payments.services.escrow import payment_escrow_for_shipping

        order_item_shipping.connect(payment_escrow_for_shipping, dispatch_uid="payments.escrow.shipping")
