"""Reads for payments. Objects a caller may not see are "not found", never "forbidden"."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from config.errors import DomainError, ErrorCode
from orders.models import Order
from orders.selectors import Role, user_role
from payments.gateway import REFUND_ACCOUNT_RULE, REFUND_BANKS, Bank, RefundAccountRule
from payments.models import (
    Cancellation,
    Payment,
    PaymentEvent,
)
from payments.pg_rules import PaymentActions
from payments.pg_rules import payment_actions as pg_payment_actions

# --- Who sees which payment rows: one rule, for REST and for GraphQL's `get_queryset` ---------------
# Payments, their cancellations and their events belong to the order's buyer (and staff); a seller never
# sees the buyer's payment, not even for an order holding its lines.


def _buyer_rows(queryset: QuerySet, *, user: AbstractBaseUser | AnonymousUser, buyer_path: str) -> QuerySet:
    if not user.is_authenticated:
        return queryset.none()
    if user.is_staff:  # the staff role, without a query (GraphQL applies this per nested list)
        return queryset
    return queryset.filter(**{buyer_path: user})


def payment_filter_visible(
    queryset: QuerySet[Payment], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Payment]:
    """`queryset` narrowed to the payments `user` may see: staff all, anyone else their own orders'."""
    return _buyer_rows(queryset, user=user, buyer_path="order__buyer")


def cancellation_filter_visible(
    queryset: QuerySet[Cancellation], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Cancellation]:
    return _buyer_rows(queryset, user=user, buyer_path="payment__order__buyer")


def payment_event_filter_visible(
    queryset: QuerySet[PaymentEvent], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[PaymentEvent]:
    return _buyer_rows(queryset, user=user, buyer_path="payment__order__buyer")


def payment_list_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Payment]:
    """Staff see every payment; anyone else the payments of their own orders: `payment_filter_visible`'s
    rule, read through the payment's copy of its order's buyer, so that a page is one range of
    payment_buyer_recent_idx however many payments the buyer has made."""
    payments = Payment.objects.select_related("order").prefetch_related(cancellations_in_flight_prefetch())
    return _buyer_rows(payments, user=user, buyer_path="buyer")


def payments_with_money_prefetch(to_attr: str) -> Prefetch:
    """An order's payment holding money (at most one) with its cancels in flight, for its `actions`."""
    holding = Payment.objects.filter(status__in=(Payment.Status.PAID, Payment.Status.PARTIALLY_CANCELLED))
    return Prefetch("payments", holding.prefetch_related(cancellations_in_flight_prefetch()), to_attr=to_attr)


def cancellations_in_flight_prefetch() -> Prefetch:
    """A payment's still-`requested` cancellations, for `payment_actions` on a page of payments."""
    requested = Cancellation.objects.filter(state=Cancellation.State.REQUESTED)
    return Prefetch("cancellations", queryset=requested, to_attr="cancellations_in_flight")


def payment_live_list() -> QuerySet[Payment]:
    """Payments holding (or about to hold) their order's money; at most one per order (a constraint)."""
    return Payment.objects.filter(status__in=Payment.LIVE_STATUSES)


def order_live_payment(*, order: Order) -> Payment | None:
    """The order's live payment, if any: while there is one, the order takes no other payment."""
    return payment_live_list().filter(order=order).first()


def payment_get_visible(*, public_id: str, user: AbstractBaseUser | AnonymousUser) -> Payment:
    payment = payment_list_visible(user=user).filter(public_id=public_id).first()
    if payment is None:
        raise DomainError(ErrorCode.PAYMENT_NOT_FOUND)
    return payment


def payment_get_for_cancel(*, public_id: str, user: AbstractBaseUser | AnonymousUser) -> Payment:
    """Owner and staff, plus sellers with lines in the order (they may cancel those lines)."""
    if user.is_authenticated and user_role(user) == Role.SELLER:
        payment = (
            Payment.objects.filter(public_id=public_id, order__items__seller__user=user).distinct().first()
            or Payment.objects.filter(public_id=public_id, order__buyer=user).first()
        )
        if payment is None:
            raise DomainError(ErrorCode.PAYMENT_NOT_FOUND)
        return payment
    return payment_get_visible(public_id=public_id, user=user)


def _payment_detail_queryset() -> QuerySet[Payment]:
    # The order's cash receipt summary (the cash receipts capability's row, by its relation name only).
    return Payment.objects.select_related("order", "order__cash_receipt_request").prefetch_related(
        Prefetch(
            "cancellations",
            queryset=Cancellation.objects.order_by("created_at", "pk").prefetch_related("items"),
        ),
        Prefetch(
            "events", queryset=PaymentEvent.objects.select_related("actor").order_by("created_at", "pk")
        ),
    )


def payment_detail(*, payment_pk: int) -> Payment:
    """One payment with everything its detail view shows, in a fixed number of queries."""
    return _payment_detail_queryset().get(pk=payment_pk)


def payment_detail_visible(*, public_id: str, user: AbstractBaseUser | AnonymousUser) -> Payment:
    """`payment_detail` of a payment the caller may see, found and read by the same query (no re-read).
    Raises payment_not_found."""
    visible = payment_filter_visible(_payment_detail_queryset(), user=user)
    payment = visible.filter(public_id=public_id).first()
    if payment is None:
        raise DomainError(ErrorCode.PAYMENT_NOT_FOUND)
    return payment


@dataclass(frozen=True)
class CheckoutConfig:
    """What a browser or an app needs to open Bootpay's payment window: public values only."""

    web_application_id: str
    android_application_id: str
    ios_application_id: str
    widget_key: str
    mode: str  # production | development | sandbox (then the frontend shows its TEST PAYMENT panel)
    separately_confirmed: bool  # the widget asks for separate approval; our server confirms
    # What a buyer refunding a deposited virtual account is asked for (the rule RefundAccount applies).
    refund_banks: tuple[Bank, ...]
    refund_account_rule: RefundAccountRule


def checkout_config() -> CheckoutConfig:
    # Never the REST application id's private key or the secret key: those stay on the server.
    return CheckoutConfig(
        web_application_id=settings.BOOTPAY_WEB_APPLICATION_ID,
        android_application_id=settings.BOOTPAY_ANDROID_APPLICATION_ID,
        ios_application_id=settings.BOOTPAY_IOS_APPLICATION_ID,
        widget_key=settings.BOOTPAY_WIDGET_KEY,
        mode=settings.BOOTPAY_MODE,
        separately_confirmed=settings.BOOTPAY_SEPARATELY_CONFIRMED,
        refund_banks=REFUND_BANKS,
        refund_account_rule=REFUND_ACCOUNT_RULE,
    )


def payment_line_ids_in_flight(payment: Payment) -> QuerySet:
    """Ids of the payment's order lines that a cancellation still `requested` names: no other cancel may
    take them until that one is settled (the cancel service's rule; the admin offers only the others)."""
    return Cancellation.items.through.objects.filter(
        cancellation__payment=payment, cancellation__state=Cancellation.State.REQUESTED
    ).values_list("orderitem_id", flat=True)


def payment_actions(payment: Payment, *, balance: int | None = None) -> PaymentActions:
    """What may be done with the payment now (payments.pg_rules). `balance` (what is left to cancel,
    cancels in flight counted) is read from the payment's prefetched cancellations when not given."""
    if balance is None:
        in_flight = getattr(payment, "cancellations_in_flight", None)
        if in_flight is None:  # the detail queryset prefetches every cancellation
            in_flight = [c for c in payment.cancellations.all() if c.state == Cancellation.State.REQUESTED]
        balance = max(0, payment.amount - payment.cancelled_amount - sum(c.amount for c in in_flight))
    return pg_payment_actions(
        pg=payment.pg,
        method=payment.method,
        status=payment.status,
        balance=balance,
        amount=payment.amount,
        paid_at=payment.purchased_at or payment.created_at,
    )
