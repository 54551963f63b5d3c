"""Subscribing: one live subscription per buyer and product; period 1 is charged at once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Product
from orders.services import order_creating
from payments.billing.models import BillingKey, Subscription
from payments.billing.services.charge import subscription_charge_period
from payments.billing.services.common import KeyStatus, Kind, State, _charge_create, _event
from payments.billing.services.notices import _upcoming_notice_record, notice_days
from payments.gateway import Gateway
from payments.services.common import Actor


def _live_subscription_id(buyer_pk: int, product_pk: int) -> str | None:
    return (
        Subscription.objects.filter(
            buyer_id=buyer_pk, product_id=product_pk, status__in=Subscription.LIVE_STATUSES
        )
        .values_list("subscription_id", flat=True)
        .first()
    )


def _trial_checks(buyer: AbstractBaseUser, product: Product) -> None:
    """A trial takes no unit now, but the product must be one the buyer could order now (its first paid
    period then takes a unit when there is one, like a renewal)."""
    if not product.is_active:
        raise DomainError(ErrorCode.PRODUCT_UNAVAILABLE, details={"product_ids": [product.pk]})
    if product.stock < 1:
        short = [{"product_id": product.pk, "requested": 1, "available": product.stock}]
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, details={"items": short})
    order_creating.send(sender=Product, buyer=buyer, products=[product], options={})


def subscription_create(
    *,
    buyer: AbstractBaseUser | AnonymousUser,
    product_id: int,
    billing_key_id: str,
    gateway: Gateway | None = None,
) -> Subscription:
    """Subscribe the buyer to a subscribable product with one of their keys; period 1 is charged now,
    or, when the product offers a free trial (`trial_days`), nothing now: period 1 is charged when the
    trial ends, at least `BILLING_UPCOMING_NOTICE_DAYS` after its notice (services/notices.py).

    Price, tax-free part and interval are fixed now (later price changes do not touch it). Raises
    product_not_found, product_not_subscribable, product_unavailable / insufficient_stock (the first
    period takes a unit like any order), billing_key_not_found (not the buyer's, or not active);
    payment_failed (`details.pg_code`) when the first charge is declined: the subscription is then
    cancelled (the key is kept); gateway_unavailable when Bootpay did not answer: the subscription
    stays active with its first charge `unknown` until its webhook books it (`details.subscription_id`);
    subscription_exists (409, `details.subscription_id`) while the buyer has an active or past-due
    subscription to the product — so subscribing again after a 503 never charges twice.
    """
    if not buyer.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
    actor = Actor.of(buyer)
    with transaction.atomic():
        key = (
            BillingKey.objects.select_for_update()
            .filter(billing_key_id=billing_key_id, buyer_id=buyer.pk, status=KeyStatus.ACTIVE)
            .first()
            if isinstance(billing_key_id, str)
            else None
        )
        if key is None:
            raise DomainError(ErrorCode.BILLING_KEY_NOT_FOUND)
        product = Product.objects.select_for_update(of=("self",)).filter(pk=product_id).first()
        if product is None:
            raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
        if not product.subscription_interval:
            raise DomainError(ErrorCode.PRODUCT_NOT_SUBSCRIBABLE, details={"product_id": product_id})
        # One live subscription per buyer and product: subscribing again after a 503 (the first charge
        # may have gone through) must not charge a second time. The product's lock queues concurrent
        # subscribes; the partial unique constraint is the last word.
        if existing := _live_subscription_id(buyer.pk, product.pk):
            raise DomainError(ErrorCode.SUBSCRIPTION_EXISTS, details={"subscription_id": existing})
        now = timezone.now()
        # One free trial per buyer and product: subscribing again after cancelling is charged at once.
        had_one = Subscription.objects.filter(buyer_id=buyer.pk, product_id=product.pk).exists()
        trial_ends_at = (
            now + timedelta(days=product.trial_days) if product.trial_days and not had_one else None
        )
        if trial_ends_at is not None:
            _trial_checks(buyer, product)
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    buyer=buyer,
                    product=product,
                    billing_key=key,
                    interval=product.subscription_interval,
                    price=product.price,
                    tax_free=product.price if product.is_tax_free else 0,
                    mode=settings.BILLING_MODE,
                    next_charge_at=trial_ends_at or now,
                    trial_ends_at=trial_ends_at,
                )
        except IntegrityError as exc:
            existing = _live_subscription_id(buyer.pk, product.pk)
            raise DomainError(ErrorCode.SUBSCRIPTION_EXISTS, details={"subscription_id": existing}) from exc
        _event(
            subscription,
            Kind.CREATED,
            actor,
            product_id=product.pk,
            price=subscription.price,
            tax_free=subscription.tax_free,
            interval=subscription.interval,
            mode=subscription.mode,
            billing_key_id=key.billing_key_id,
            trial_ends_at=trial_ends_at.isoformat() if trial_ends_at else None,
        )
        if trial_ends_at is not None:
            # Free until then: nothing is charged now. A trial ending within the notice window is
            # announced at once (its first charge then comes no sooner than 7 days from now).
            if trial_ends_at <= now + notice_days() + settings.BILLING_UPCOMING_NOTICE_LEAD:
                _upcoming_notice_record(subscription, actor=actor, now=now)
            return subscription
        _charge_create(subscription, period=1, due=now)
    charge = subscription_charge_period(subscription_pk=subscription.pk, actor=actor, gateway=gateway)
    subscription.refresh_from_db()
    if charge is None or charge.state == State.PAID:
        return subscription
    details = {"subscription_id": subscription.subscription_id}
    if charge.state in (State.DECLINED, State.CANCELLED):
        raise DomainError(ErrorCode.PAYMENT_FAILED, details={**details, "pg_code": charge.last_error_code})
    raise DomainError(ErrorCode.GATEWAY_UNAVAILABLE, details={**details, "reason": "charge outcome unknown"})
