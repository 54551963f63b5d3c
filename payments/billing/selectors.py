"""Reads of automatic payments: who sees which billing key, subscription and charge (REST and GraphQL)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from config.errors import DomainError, ErrorCode
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge, SubscriptionPriceConsent
from payments.selectors import _buyer_rows, payment_live_list  # one visibility rule, the core's

# --- Automatic payments: a buyer's keys and subscriptions ---------------------------------------------
# Billing keys are their buyer's only (staff included: a key is a payment instrument, staff see it in the
# admin, masked); subscriptions are their buyer's, and staff see all.


def billing_key_filter_visible(
    queryset: QuerySet[BillingKey], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[BillingKey]:
    """`queryset` narrowed to the user's own billing keys (staff too: only their own)."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(buyer=user)


def subscription_filter_visible(
    queryset: QuerySet[Subscription], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Subscription]:
    """`queryset` narrowed to the subscriptions `user` may see: staff all, anyone else their own."""
    return _buyer_rows(queryset, user=user, buyer_path="buyer")


def subscription_charge_filter_visible(
    queryset: QuerySet[SubscriptionCharge], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[SubscriptionCharge]:
    return _buyer_rows(queryset, user=user, buyer_path="subscription__buyer")


def billing_key_list_visible(
    *, user: AbstractBaseUser | AnonymousUser, include_removed: bool = False
) -> QuerySet[BillingKey]:
    """The user's own billing keys, newest first (removed ones only when asked)."""
    keys = billing_key_filter_visible(BillingKey.objects.all(), user=user)
    if not include_removed:
        keys = keys.exclude(status=BillingKey.Status.REMOVED)
    return keys.order_by("-created_at", "-pk")


def billing_key_get_visible(*, billing_key_id: str, user: AbstractBaseUser | AnonymousUser) -> BillingKey:
    key = (
        billing_key_list_visible(user=user, include_removed=True)
        .filter(billing_key_id=billing_key_id)
        .first()
    )
    if key is None:
        raise DomainError(ErrorCode.BILLING_KEY_NOT_FOUND)
    return key


def subscription_list_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Subscription]:
    """Staff see every subscription; anyone else their own. Charges come with their orders and payments."""
    subscriptions = subscription_filter_visible(Subscription.objects.all(), user=user)
    return (
        subscriptions.select_related("product", "billing_key")
        .prefetch_related(
            Prefetch(
                "charges",
                queryset=SubscriptionCharge.objects.select_related("order")
                .prefetch_related(Prefetch("order__payments", queryset=payment_live_list()))
                .order_by("period", "pk"),
            )
        )
        .prefetch_related(open_price_consents_prefetch())
        .order_by("-created_at", "-pk")
    )


def open_price_consents_prefetch() -> Prefetch:
    """What `subscription_pending_price_change` reads, for a whole page of subscriptions at once."""
    return Prefetch(
        "price_consents",
        queryset=SubscriptionPriceConsent.objects.filter(
            state__in=SubscriptionPriceConsent.OPEN_STATES
        ).select_related("price_change"),
        to_attr="open_price_consents",
    )


@dataclass(frozen=True)
class PendingPriceChange:
    """`pending_price_change` of a subscription, as REST and GraphQL show it."""

    price_change_id: str
    price: int
    new_price: int
    effective_at: datetime
    consent_opens_at: datetime
    consent_deadline: datetime
    on_no_consent: str
    consented_at: datetime | None


def subscription_pending_price_change(subscription: Subscription) -> PendingPriceChange | None:
    """The open price change of a live subscription (from the prefetch when there is one), or None."""
    if subscription.status not in Subscription.LIVE_STATUSES:
        return None
    rows = getattr(subscription, "open_price_consents", None)
    if rows is None:
        rows = list(
            SubscriptionPriceConsent.objects.filter(
                subscription=subscription, state__in=SubscriptionPriceConsent.OPEN_STATES
            ).select_related("price_change")
        )
    if not rows:
        return None
    consent, change = rows[0], rows[0].price_change
    return PendingPriceChange(
        price_change_id=change.price_change_id,
        price=consent.price,
        new_price=change.new_price,
        effective_at=change.effective_at,
        consent_opens_at=change.consent_opens_at,
        consent_deadline=change.consent_deadline,
        on_no_consent=change.on_no_consent,
        consented_at=consent.consented_at,
    )


def subscription_get_visible(*, subscription_id: str, user: AbstractBaseUser | AnonymousUser) -> Subscription:
    subscription = subscription_list_visible(user=user).filter(subscription_id=subscription_id).first()
    if subscription is None:
        raise DomainError(ErrorCode.SUBSCRIPTION_NOT_FOUND)
    return subscription


@dataclass(frozen=True)
class SubscriptionChargeRow:
    """One period as the API shows it: `{order_id, payment_id, period, status}`."""

    order_id: str
    payment_id: str | None
    period: int
    status: str


def subscription_charge_rows(subscription: Subscription) -> list[SubscriptionChargeRow]:
    """The subscription's periods, from what `subscription_list_visible` prefetched."""
    rows = []
    for charge in subscription.charges.all():
        payments = list(charge.order.payments.all())
        rows.append(
            SubscriptionChargeRow(
                order_id=charge.order.order_id,
                payment_id=payments[0].public_id if payments else None,
                period=charge.period,
                status=charge.state,
            )
        )
    return rows
