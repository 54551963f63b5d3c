"""Catalogue and orders. Amounts are integer KRW (won) computed by the server from its own prices.

Roles: staff = `user.is_staff`; seller = a user with a `Seller` profile; buyer = any signed-in user
(sellers may buy from others). See `orders.selectors.user_role`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def new_public_order_id() -> str:
    # Opaque and unguessable: sent to Bootpay as `order_id` and used in URLs instead of the pk.
    return f"ord_{secrets.token_hex(12)}"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Seller(TimeStamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seller", verbose_name=_("user")
    )
    name = models.CharField(_("shop name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")

    def __str__(self) -> str:
        return self.name


class SubscriptionInterval(models.TextChoices):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Product(TimeStamped):
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("seller")
    )
    name = models.CharField(_("product name"), max_length=200)
    price = models.PositiveBigIntegerField(_("price"), help_text="Unit price in won.")
    is_tax_free = models.BooleanField(
        _("tax-free"), default=False, help_text="면세 상품: its amount is sent as tax_free."
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    adult_only = models.BooleanField(
        _("adult only"),
        default=False,
        help_text="청소년유해매체물: only a buyer verified as an adult may order it (docs/identity.md).",
    )
    subscription_interval = models.CharField(
        _("subscription interval"),
        max_length=8,
        choices=SubscriptionInterval.choices,
        blank=True,
        help_text="Sold by subscription, charged every week, month or year (blank: not subscribable). "
        "It can still be ordered once like any product.",
    )
    trial_days = models.PositiveSmallIntegerField(
        _("free trial days"),
        default=0,
        help_text="A new subscription is free for this many days, then charged (0: no trial). "
        "Its first charge is announced at least 7 days ahead (docs/billing.md).",
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="product_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Order(TimeStamped):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment"
        PAID = "paid"
        PARTIALLY_REFUNDED = "partially_refunded"
        REFUNDED = "refunded"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    order_id = models.CharField(
        _("order id"), max_length=40, unique=True, default=new_public_order_id, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer")
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    order_name = models.CharField(_("order name"), max_length=200, help_text="Shown in the payment window.")
    total_amount = models.PositiveBigIntegerField(_("total amount"))
    tax_free_amount = models.PositiveBigIntegerField(_("tax-free amount"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="KRW", editable=False)
    expires_at = models.DateTimeField(
        _("expires at"), help_text="Unpaid after this moment, the order expires and stock returns."
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    seller_count = models.PositiveSmallIntegerField(
        _("seller count"),
        default=1,
        help_text="How many sellers the order's lines come from (fixed when it is created).",
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_status_expiry_idx"),
            # The lists' keyset pages (newest first): a buyer's own orders, and staff's whole list.
            models.Index(fields=["buyer", "-created_at", "-id"], name="order_buyer_recent_idx"),
            models.Index(fields=["-created_at", "-id"], name="order_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=1), name="order_total_positive"),
            models.CheckConstraint(
                condition=Q(tax_free_amount__lte=F("total_amount")), name="order_tax_free_lte_total"
            ),
            models.CheckConstraint(condition=Q(currency="KRW"), name="order_currency_krw"),
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_payable(self) -> bool:
        return self.status == self.Status.PENDING_PAYMENT

    @property
    def escrow_eligible(self) -> bool:
        """Whether the order may be paid by escrow (에스크로, 구매안전): all its lines from one seller, so one
        shipment registration covers the whole payment. The one rule REST, GraphQL, the sandbox and the
        checkout use."""
        return self.seller_count == 1


class OrderItem(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment"
        PAID = "paid"
        REFUNDED = "refunded"
        CANCELLED = "cancelled"  # the order was cancelled or expired before payment

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="order_items", verbose_name=_("product")
    )
    # Denormalised so one seller's lines can be listed, refunded and settled without joining products.
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="order_items", verbose_name=_("seller")
    )
    product_name = models.CharField(_("product name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.PositiveBigIntegerField(
        _("unit price"), help_text="Snapshot of the product price when ordered."
    )
    is_tax_free = models.BooleanField(_("tax-free"), default=False)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    shipped = models.BooleanField(_("shipped"), default=False)
    courier = models.CharField(
        _("courier"), max_length=40, blank=True, help_text="택배사: who carries the parcel."
    )
    tracking_number = models.CharField(
        _("tracking number"), max_length=40, blank=True, help_text="송장번호 of the parcel."
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    holds_stock = models.BooleanField(
        _("holds stock"),
        default=True,
        help_text="Took its quantity from the product's stock (so gives it back when cancelled or refunded). "
        "False only for a subscription renewal made while the product was out of stock.",
    )

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive"),
            models.UniqueConstraint(fields=["order", "product"], name="order_item_one_line_per_product"),
        ]
        # A seller's order list: the orders holding its lines, read from the index alone.
        indexes = [models.Index(fields=["seller", "order"], name="order_item_seller_order_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class SellerOrder(models.Model):
    """A seller's place in its order list: one row per (seller, order) the seller has lines in, carrying the
    order's `created_at`, so a page of the list is one range of `seller_order_recent_idx` with a LIMIT.

    Written with the lines, in the order's transaction (`orders.services.order_lines_create`); never
    changed after (an order's sellers and creation time are fixed).
    """

    # No index of its own: the unique pair and the list's index both lead with it.
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="order_links",
        verbose_name=_("seller"),
        db_index=False,
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="seller_links", verbose_name=_("order")
    )
    created_at = models.DateTimeField(_("order created at"), help_text="The order's own `created_at`.")

    class Meta:
        verbose_name = _("seller's order")
        verbose_name_plural = _("sellers' orders")
        constraints = [
            models.UniqueConstraint(fields=["seller", "order"], name="seller_order_once"),
        ]
        indexes = [
            # The seller's list, newest first (orders.selectors.order_list_for_role).
            models.Index(fields=["seller", "-created_at", "-order"], name="seller_order_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} · {self.order_id}"
