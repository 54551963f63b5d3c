"""GraphQL types generated from the models, exposing only what each role may see.

Row visibility lives in each type's `get_queryset`, so it holds on every path: top-level, nested
and inside connections (the optimizer applies it to its prefetches). Fields listed explicitly.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import strawberry
import strawberry_django
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from strawberry import Info, auto, relay
from strawberry.scalars import JSON

from graphql_api.billing_notices import PendingPriceChangeType
from graphql_api.context import current_user
from graphql_api.identity import IdentityType
from graphql_api.payment_actions import PaymentActionsType, payment_actions_type
from orders.models import Order, OrderItem, Product, Seller
from orders.selectors import (
    CASH_RECEIPT_RELATION,
    CASH_RECEIPT_STATUSES,
    ESCROW_STATUS_BY_STATE,
    escrow_payments_prefetch,
    order_cash_receipt,
    order_escrow,
    order_filter_visible,
    order_item_filter_visible,
    order_viewer_sees_totals,
    user_is_seller,
)
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge
from payments.billing.selectors import (
    billing_key_filter_visible,
    open_price_consents_prefetch,
    subscription_charge_filter_visible,
    subscription_filter_visible,
    subscription_pending_price_change,
)
from payments.identity.selectors import identity_state
from payments.models import Cancellation, Payment, PaymentEvent
from payments.selectors import (
    cancellation_filter_visible,
    cancellations_in_flight_prefetch,
    payment_actions,
    payment_event_filter_visible,
    payment_filter_visible,
    payment_live_list,
    payments_with_money_prefetch,
)


@strawberry_django.type(get_user_model(), name="User")
class UserType:
    username: auto
    is_staff: bool

    @strawberry_django.field(description="Has a seller profile (sees `sellerOrders`).")
    def is_seller(self, root) -> bool:
        return user_is_seller(root)

    @strawberry_django.field(description="Own identity verification (본인인증) state; never personal data.")
    def identity(self, root, info: Info) -> IdentityType | None:
        # Only the signed-in user's own (UserType is only ever `me`, but a nested path must not leak).
        if current_user(info).pk != root.pk:
            return None
        return IdentityType.from_state(identity_state(user=root))


@strawberry_django.type(Seller, name="Seller")
class SellerType(relay.Node):
    name: auto


@strawberry_django.type(Product, name="Product")
class ProductType(relay.Node):
    name: auto
    price: int = strawberry_django.field(description="Unit price in won.")
    is_tax_free: auto
    stock: auto
    is_active: auto
    adult_only: bool = strawberry_django.field(
        description="Only a buyer verified as an adult may order it (청소년유해매체물; `verifyIdentity`)."
    )
    trial_days: int = strawberry_django.field(description="Free days before a subscription's first charge.")
    seller: SellerType
    # No get_queryset here: a withdrawn product must still show on the order lines that bought it.
    # The catalogue queries (`products`, `product`) hide inactive products from the public.

    @strawberry_django.field(
        only=["subscription_interval"],
        description=(
            "Sold by subscription, charged every `week`, `month` or `year` (`subscribe`); null: not "
            "subscribable. Either way it can be ordered once."
        ),
    )
    def subscription_interval(self, root: Product) -> str | None:
        return root.subscription_interval or None


@strawberry_django.type(OrderItem, name="OrderItem")
class OrderItemType:
    id: strawberry.ID = strawberry_django.field(field_name="pk", description="Line id (for cancelPayment).")
    product_name: auto
    quantity: auto
    unit_price: int
    is_tax_free: auto
    status: str
    shipped: auto
    shipped_at: auto = strawberry_django.field(description="When it was marked shipped; null until then.")
    product: ProductType
    seller: SellerType

    @strawberry_django.field(
        only=["courier"], description="택배사 the line shipped with; null if none given."
    )
    def courier(self, root: OrderItem) -> str | None:
        return root.courier or None

    @strawberry_django.field(
        only=["tracking_number"], description="송장번호 of the parcel; null if none given."
    )
    def tracking_number(self, root: OrderItem) -> str | None:
        return root.tracking_number or None

    @strawberry_django.field(only=["unit_price", "quantity"])
    def line_total(self, root: OrderItem) -> int:
        return root.line_total

    @classmethod
    def get_queryset(cls, queryset: QuerySet[OrderItem], info: Info, **kwargs) -> QuerySet[OrderItem]:
        # A seller sees only its own lines of an order; the buyer and staff see all of them.
        return order_item_filter_visible(queryset, user=current_user(info))


@strawberry_django.type(Cancellation, name="Cancellation")
class CancellationType:
    cancel_id: auto
    amount: int
    tax_free_amount: int
    reason: auto
    state: str
    error_code: auto
    created_at: auto
    completed_at: auto

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Cancellation], info: Info, **kwargs) -> QuerySet[Cancellation]:
        return cancellation_filter_visible(queryset, user=current_user(info))


@strawberry_django.type(PaymentEvent, name="PaymentEvent")
class PaymentEventType:
    kind: str
    from_status: auto
    to_status: auto
    data: JSON
    created_at: auto

    @strawberry_django.field(select_related=["actor"], only=["actor__username", "actor_label"])
    def actor(self, root: PaymentEvent) -> str:
        return root.actor.get_username() if root.actor else root.actor_label

    @classmethod
    def get_queryset(cls, queryset: QuerySet[PaymentEvent], info: Info, **kwargs) -> QuerySet[PaymentEvent]:
        return payment_event_filter_visible(queryset, user=current_user(info))


@strawberry_django.type(Payment, name="Payment")
class PaymentType:
    payment_id: str = strawberry_django.field(field_name="public_id")
    receipt_id: auto
    status: str
    amount: int
    tax_free_amount: int
    cancelled_amount: int
    cancelled_tax_free_amount: int
    method: auto
    method_name: auto
    pg: auto
    sandbox: auto
    purchased_at: auto
    created_at: auto
    cancellations: list[CancellationType]
    events: list[PaymentEventType]

    @strawberry_django.field(only=["amount", "cancelled_amount", "status"])
    def cancellable_amount(self, root: Payment) -> int:
        return root.cancellable_amount()

    @strawberry_django.field(only=["order__order_id"], select_related=["order"])
    def order_id(self, root: Payment) -> str:
        return root.order.order_id

    @strawberry_django.field(
        only=["raw_receipt"], description="The account to deposit into; null unless a virtual account."
    )
    def virtual_account(self, root: Payment) -> VirtualAccountType | None:
        account = root.virtual_account
        return VirtualAccountType(**asdict(account)) if account else None

    @strawberry_django.field(
        select_related=["order", f"order__{CASH_RECEIPT_RELATION}"],
        only=["order__buyer_id"],
        description=(
            "The order's cash receipt (현금영수증), as REST's payment `cash_receipt`: for its buyer and "
            "staff; else (or none applies) null."
        ),
    )
    def cash_receipt(self, root: Payment, info: Info) -> CashReceiptType | None:
        shown = order_cash_receipt(root.order, user=current_user(info))
        return CashReceiptType(**asdict(shown)) if shown else None

    @strawberry_django.field(
        only=["pg", "method", "status", "amount", "cancelled_amount", "purchased_at", "created_at"],
        prefetch_related=[cancellations_in_flight_prefetch()],
        description="What the PG would take now (REST's payment `actions`).",
    )
    def actions(self, root: Payment) -> PaymentActionsType:
        return payment_actions_type(payment_actions(root))

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Payment], info: Info, **kwargs) -> QuerySet[Payment]:
        # Payments belong to the buyer (and staff); a seller never sees the buyer's payment.
        return payment_filter_visible(queryset, user=current_user(info))


@strawberry.type(name="VirtualAccount", description="The account a virtual-account payment is paid into.")
class VirtualAccountType:
    bank_code: str
    bank_name: str
    account_number: str
    holder: str
    due_at: datetime | None = strawberry.field(description="Deposit deadline.")


@strawberry.type(
    name="EscrowShipping",
    description="An escrow (에스크로) payment's shipment, registered with Bootpay by its first shipped line",
)
class EscrowShippingType:
    status: str = strawberry.field(
        description=(
            f"{' | '.join(ESCROW_STATUS_BY_STATE.values())}: pending until Bootpay has it (no line shipped "
            "yet, or Bootpay not reached yet: reconcile retries), registered once it does, failed when it "
            "refused."
        )
    )
    courier: str | None = strawberry.field(
        description=(
            "택배사 registered (the first shipped line's); null for a seller other than that line's "
            "(only the buyer, staff and that seller see the parcel)."
        )
    )
    tracking_number: str | None = strawberry.field(description="송장번호 registered; shown like courier.")
    registered_at: datetime | None = strawberry.field(description="When Bootpay accepted it.")
    error_code: str | None = strawberry.field(description="Bootpay's error_code when it refused.")


@strawberry.type(
    name="CashReceipt", description="An order's cash receipt (현금영수증); the number only masked"
)
class CashReceiptType:
    type: str = strawberry.field(description="income_deduction | expense_proof | none (withdrawn)")
    identifier_masked: str | None = strawberry.field(description="e.g. 010-****-5678, 123-45-*****")
    approval_no: str | None = strawberry.field(description="Bootpay's approval number once issued.")
    amount: int | None = strawberry.field(description="Won the live receipt covers (the money kept).")
    status: str = strawberry.field(
        description=f"{' | '.join(CASH_RECEIPT_STATUSES)} (REST's `cash_receipt.status`)"
    )
    issued_at: datetime | None


@strawberry_django.type(Order, name="Order")
class OrderType(relay.Node):
    # The global id wraps the public order_id: the numeric pk never leaves the server.
    order_id: relay.NodeID[str]
    status: str
    order_name: auto
    currency: auto
    expires_at: auto
    paid_at: auto
    created_at: auto
    items: list[OrderItemType]
    payments: list[PaymentType]

    @strawberry_django.field(
        name="orderId", only=["order_id"], description="The public order id (Bootpay's order_id)."
    )
    def public_order_id(self, root: Order) -> str:
        return root.order_id

    @strawberry_django.field(
        only=["total_amount", "buyer_id"],
        description="The whole order's total; null for a seller, who sees only its own lines.",
    )
    def total_amount(self, root: Order, info: Info) -> int | None:
        return root.total_amount if order_viewer_sees_totals(order=root, user=current_user(info)) else None

    @strawberry_django.field(only=["tax_free_amount", "buyer_id"])
    def tax_free_amount(self, root: Order, info: Info) -> int | None:
        return root.tax_free_amount if order_viewer_sees_totals(order=root, user=current_user(info)) else None

    @strawberry_django.field(
        prefetch_related=[
            Prefetch(
                "payments",
                queryset=payment_live_list().only("order", "public_id"),
                to_attr="live_payments",
            )
        ],
        description=(
            "The public id of the payment holding this order's money (null while unpaid), for cancelPayment. "
            "Sellers get it for their own lines although the payment itself stays the buyer's."
        ),
    )
    def payment_id(self, root: Order) -> str | None:
        live = getattr(root, "live_payments", None)  # prefetched, unless a mutation returned the order
        if live is None:
            live = list(payment_live_list().filter(order=root).only("public_id"))
        return live[0].public_id if live else None

    @strawberry_django.field(
        prefetch_related=[payments_with_money_prefetch("payments_with_money")],
        description=(
            "What the PG would take now for the payment holding this order's money (its `actions`), for "
            "its buyer, staff and its sellers; null while no payment holds money."
        ),
    )
    def payment_actions(self, root: Order, info: Info) -> PaymentActionsType | None:
        payments = getattr(root, "payments_with_money", None)  # prefetched, unless a mutation returned it
        if payments is None:
            prefetch_related_objects([root], payments_with_money_prefetch("payments_with_money"))
            payments = root.payments_with_money
        if not payments:
            return None
        actions = payment_actions(payments[0])
        if not order_viewer_sees_totals(order=root, user=current_user(info)):  # a seller: not the payment
            actions = actions.for_seller()
        return payment_actions_type(actions)

    @strawberry_django.field(
        only=["seller_count"],
        description="May be paid by escrow (에스크로, 구매안전): all its lines come from one seller.",
    )
    def escrow_eligible(self, root: Order) -> bool:
        return root.escrow_eligible

    @strawberry_django.field(
        prefetch_related=[escrow_payments_prefetch()],
        description="null unless paid by escrow; then its shipment's registration with Bootpay.",
    )
    def escrow(self, root: Order, info: Info) -> EscrowShippingType | None:
        # prefetched, unless a mutation returned the order
        escrow = order_escrow(root, user=current_user(info))
        return EscrowShippingType(**asdict(escrow)) if escrow else None

    @strawberry_django.field(
        select_related=[CASH_RECEIPT_RELATION],
        description="The cash receipt (현금영수증) for its buyer and staff; else (or none applies) null.",
    )
    def cash_receipt(self, root: Order, info: Info) -> CashReceiptType | None:
        shown = order_cash_receipt(root, user=current_user(info))
        return CashReceiptType(**asdict(shown)) if shown else None

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Order], info: Info, **kwargs) -> QuerySet[Order]:
        return order_filter_visible(queryset, user=current_user(info))


# --- Automatic payments: no type here exposes a billing key, its ciphertext or its fingerprint ----------


@strawberry_django.type(BillingKey, name="BillingKey", description="A registered card, as Bootpay masked it.")
class BillingKeyType(relay.Node):
    # The global id wraps the public billing_key_id (bk_…): the numeric pk never leaves the server.
    billing_key_id: relay.NodeID[str]
    card_company: auto
    card_number_masked: auto
    status: str = strawberry_django.field(description="active, removed or expired.")
    expires_at: auto
    created_at: auto
    removed_at: auto

    @strawberry_django.field(
        name="billingKeyId", only=["billing_key_id"], description="The public id (bk_…) mutations take."
    )
    def public_billing_key_id(self, root: BillingKey) -> str:
        return root.billing_key_id

    @classmethod
    def get_queryset(cls, queryset: QuerySet[BillingKey], info: Info, **kwargs) -> QuerySet[BillingKey]:
        return billing_key_filter_visible(queryset, user=current_user(info))


@strawberry_django.type(SubscriptionCharge, name="SubscriptionCharge", description="One period's charge.")
class SubscriptionChargeType:
    period: int
    status: str = strawberry_django.field(
        field_name="state", description="pending, sending, paid, declined, unknown or cancelled."
    )

    @strawberry_django.field(
        only=["order__order_id"],
        select_related=["order"],
        description="The period's order: an ordinary order.",
    )
    def order_id(self, root: SubscriptionCharge) -> str:
        return root.order.order_id

    @strawberry_django.field(
        only=["order_id"],
        prefetch_related=[
            Prefetch(
                "order__payments",
                queryset=payment_live_list().only("order", "public_id"),
                to_attr="live_payments",
            )
        ],
        description="The payment holding the period's money; null until it is paid.",
    )
    def payment_id(self, root: SubscriptionCharge) -> str | None:
        live = getattr(root.order, "live_payments", None)  # prefetched, unless a mutation returned it
        if live is None:
            live = list(payment_live_list().filter(order_id=root.order_id).only("public_id"))
        return live[0].public_id if live else None

    @classmethod
    def get_queryset(
        cls, queryset: QuerySet[SubscriptionCharge], info: Info, **kwargs
    ) -> QuerySet[SubscriptionCharge]:
        return subscription_charge_filter_visible(queryset, user=current_user(info))  # oldest period first


# Not named `Subscription`: a client building the schema from the SDL would take a type of that name for
# GraphQL's subscription root (graphql-js and graphql-core do, absent a `schema {}` block).
@strawberry_django.type(
    Subscription,
    name="BillingSubscription",
    description="A product charged every interval to one of the buyer's cards.",
)
class SubscriptionType(relay.Node):
    subscription_id: relay.NodeID[str]
    status: str = strawberry_django.field(description="active, past_due or cancelled.")
    interval: str = strawberry_django.field(description="week, month or year.")
    price: int = strawberry_django.field(description="Won charged every period (fixed when it began).")
    tax_free: int
    current_period: int = strawberry_django.field(description="The last period paid (0 before the first).")
    current_period_start: auto
    current_period_end: auto
    next_charge_at: auto = strawberry_django.field(
        description="When the next charge (or its retry) is due; null once cancelled."
    )
    trial_ends_at: auto = strawberry_django.field(description="Free until then; null: no trial.")
    created_at: auto
    cancelled_at: auto
    product: ProductType
    charges: list[SubscriptionChargeType] = strawberry_django.field(description="Its periods, oldest first.")

    @strawberry_django.field(
        name="subscriptionId", only=["subscription_id"], description="The public id (sub_…)."
    )
    def public_subscription_id(self, root: Subscription) -> str:
        return root.subscription_id

    @strawberry_django.field(
        only=["billing_key__billing_key_id"],
        select_related=["billing_key"],
        description="The card it is charged to (bk_…).",
    )
    def billing_key_id(self, root: Subscription) -> str:
        return root.billing_key.billing_key_id

    @strawberry_django.field(only=["status"], prefetch_related=[open_price_consents_prefetch()])
    def pending_price_change(self, root: Subscription) -> PendingPriceChangeType | None:
        return PendingPriceChangeType.of(subscription_pending_price_change(root))

    @strawberry_django.field(only=["billing_key__card_company"], select_related=["billing_key"])
    def card_company(self, root: Subscription) -> str:
        return root.billing_key.card_company

    @strawberry_django.field(only=["billing_key__card_number_masked"], select_related=["billing_key"])
    def card_number_masked(self, root: Subscription) -> str:
        return root.billing_key.card_number_masked

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Subscription], info: Info, **kwargs) -> QuerySet[Subscription]:
        return subscription_filter_visible(queryset, user=current_user(info))
