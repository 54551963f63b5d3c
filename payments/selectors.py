"""Reads for payments. Objects a caller may not see are "not found", never "forbidden"."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from config.errors import DomainError, ErrorCode
from orders.selectors import Role, user_role
from payments.models import Cancellation, Payment, PaymentEvent


def payment_list_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Payment]:
    """Staff see every payment; anyone else the payments of their own orders."""
    payments = Payment.objects.select_related("order")
    if user_role(user) == Role.STAFF:
        return payments
    if not user.is_authenticated:
        return payments.none()
    return payments.filter(order__buyer=user)


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


def payment_detail(*, payment_pk: int) -> Payment:
    """One payment with everything its detail view shows, in a fixed number of queries."""
    return (
        Payment.objects.select_related("order")
        .prefetch_related(
            Prefetch(
                "cancellations",
                queryset=Cancellation.objects.order_by("created_at", "pk").prefetch_related("items"),
            ),
            Prefetch(
                "events", queryset=PaymentEvent.objects.select_related("actor").order_by("created_at", "pk")
            ),
        )
        .get(pk=payment_pk)
    )


@dataclass(frozen=True)
class CheckoutConfig:
    """What a browser or an app needs to open Bootpay's payment window: public values only."""

    web_application_id: str
    android_application_id: str
    ios_application_id: str
    widget_key: str
    mode: str  # production | development | sandbox (then the frontend shows its TEST PAYMENT panel)
    separately_confirmed: bool  # the widget asks for separate approval; our server confirms


def checkout_config() -> CheckoutConfig:
    # Never the REST application id's private key or the secret key: those stay on the server.
    return CheckoutConfig(
        web_application_id=settings.BOOTPAY_WEB_APPLICATION_ID,
        android_application_id=settings.BOOTPAY_ANDROID_APPLICATION_ID,
        ios_application_id=settings.BOOTPAY_IOS_APPLICATION_ID,
        widget_key=settings.BOOTPAY_WIDGET_KEY,
        mode=settings.BOOTPAY_MODE,
        separately_confirmed=settings.BOOTPAY_SEPARATELY_CONFIRMED,
    )
