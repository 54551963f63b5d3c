"""The legal notices' own writes (docs/billing.md, "Notices the law requires"): a seller's price increase
for existing subscribers and the buyer's consent to it, and the two sweeps the beat runs (the notice of a
paid charge after a trial; price changes of reserved subscriptions). What they mean for a period's
charge is `services/notices.py`'s, applied under the subscription's lock in the charge's claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.selectors import Role, user_role
from orders.services import product_lock_managed
from payments.billing.models import (
    Subscription,
    SubscriptionPriceChange,
    SubscriptionPriceConsent,
)
from payments.billing.services.common import SYSTEM, Kind, _event, _subscription_lock
from payments.billing.services.keys import _key_destroy_if_unused
from payments.billing.services.notices import (
    ConsentState,
    _follows_free_period,
    _open_price_consent,
    _price_consent_settle,
    _upcoming_notice_record,
    notice_days,
)
from payments.billing.services.reservations import _reservation_revoke, _reserve_next
from payments.gateway import Gateway
from payments.services.common import Actor, gateway_or_default, logger

OnNoConsent = SubscriptionPriceChange.OnNoConsent


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": {field: [message]}})


def subscription_price_change_create(
    *,
    product_id: int,
    actor: AbstractBaseUser | AnonymousUser,
    new_price: int,
    effective_at: datetime,
    on_no_consent: str,
    consent_deadline: datetime | None = None,
) -> SubscriptionPriceChange:
    """Schedule a price increase for the product's live subscribers paying less than `new_price`: each
    gets a pending consent and a `price_change_pending` log entry (→ the event
    `subscription.price_change_pending`, the buyer's notice). Periods beginning at or after
    `effective_at` are charged `new_price` only for those who consent by `consent_deadline` (default:
    `effective_at`); the others keep their price or are cancelled with their paid period.

    The product's seller or staff. Raises permission_denied (neither seller nor staff), product_not_found
    (unknown, or another seller's), product_not_subscribable, validation_error (`effective_at` sooner
    than `BILLING_PRICE_CHANGE_NOTICE_DAYS`, a deadline outside the consent window, an unknown
    `on_no_consent`, no live subscription paying less than `new_price`: a decrease needs no consent and
    is not scheduled here), price_change_exists (one of the product's changes has not applied yet). Not
    idempotent.
    """
    role = user_role(actor)
    if role not in (Role.SELLER, Role.STAFF):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    now = timezone.now()
    if on_no_consent not in OnNoConsent.values:
        raise _invalid("on_no_consent", f"one of {', '.join(OnNoConsent.values)}")
    if not 1 <= new_price <= settings.ORDER_MAX_TOTAL_AMOUNT:  # a period's order could never be paid
        raise _invalid("new_price", f"must be between 1 and {settings.ORDER_MAX_TOTAL_AMOUNT}")
    if effective_at < now + timedelta(days=settings.BILLING_PRICE_CHANGE_NOTICE_DAYS):
        raise _invalid("effective_at", f"at least {settings.BILLING_PRICE_CHANGE_NOTICE_DAYS} days ahead")
    opens_at = max(now, effective_at - timedelta(days=settings.BILLING_PRICE_CHANGE_CONSENT_DAYS))
    deadline = consent_deadline or effective_at
    if not opens_at < deadline <= effective_at:
        raise _invalid("consent_deadline", "after the consent window opens, no later than effective_at")
    with transaction.atomic():
        # Lock order as everywhere in billing: the subscriptions first, then the product (a charge holds
        # its subscription, then takes the product's stock).
        subscriptions = list(
            Subscription.objects.select_for_update(of=("self",))
            .filter(product_id=product_id, status__in=Subscription.LIVE_STATUSES, price__lt=new_price)
            .order_by("pk")
        )
        product = product_lock_managed(product_id=product_id, actor=actor, role=role)
        if not product.subscription_interval:
            raise DomainError(ErrorCode.PRODUCT_NOT_SUBSCRIBABLE, details={"product_id": product_id})
        unsettled = SubscriptionPriceChange.objects.filter(product=product).filter(
            Q(effective_at__gt=now)
            | Q(
                consents__state__in=SubscriptionPriceConsent.OPEN_STATES,
                consents__subscription__status__in=Subscription.LIVE_STATUSES,
            )
        )
        if earlier := unsettled.values_list("price_change_id", flat=True).first():
            raise DomainError(ErrorCode.PRICE_CHANGE_EXISTS, details={"price_change_id": earlier})
        if not subscriptions:  # a decrease (or nobody pays less): nothing needs consent
            raise _invalid(
                "new_price", "no live subscription of the product pays less: nothing to consent to"
            )
        change = SubscriptionPriceChange.objects.create(
            product=product,
            new_price=new_price,
            new_tax_free=new_price if product.is_tax_free else 0,
            effective_at=effective_at,
            consent_opens_at=opens_at,
            consent_deadline=deadline,
            on_no_consent=on_no_consent,
            created_by=actor,
        )
        who = Actor.of(actor)
        for subscription in subscriptions:
            SubscriptionPriceConsent.objects.create(
                price_change=change, subscription=subscription, price=subscription.price
            )
            _event(subscription, Kind.PRICE_CHANGE_PENDING, who, **_pending_data(change, subscription.price))
    return change


def _pending_data(change: SubscriptionPriceChange, price: int) -> dict[str, Any]:
    return {
        "price_change_id": change.price_change_id,
        "price": price,
        "new_price": change.new_price,
        "effective_at": change.effective_at.isoformat(),
        "consent_opens_at": change.consent_opens_at.isoformat(),
        "consent_deadline": change.consent_deadline.isoformat(),
        "on_no_consent": change.on_no_consent,
    }


def subscription_price_change_consent(
    *, subscription_id: str, actor: AbstractBaseUser | AnonymousUser, now: datetime | None = None
) -> Subscription:
    """The buyer consents to their subscription's pending price increase; its periods beginning at or
    after `effective_at` are then charged the new price. Only the buyer (staff cannot consent for them).

    Idempotent: consenting again returns the subscription unchanged. Raises subscription_not_found (not
    the caller's), no_pending_price_change (nothing waits for consent), price_change_consent_closed
    (before the window opens or after the deadline: `details.consent_opens_at`, `consent_deadline`).
    """
    now = now or timezone.now()
    subscription = (
        Subscription.objects.filter(subscription_id=subscription_id, buyer_id=actor.pk).first()
        if isinstance(subscription_id, str) and actor.is_authenticated
        else None
    )
    if subscription is None:
        raise DomainError(ErrorCode.SUBSCRIPTION_NOT_FOUND)
    with transaction.atomic():
        subscription = _subscription_lock(subscription.pk)
        consent = _open_price_consent(subscription)
        if consent is None or subscription.status not in Subscription.LIVE_STATUSES:
            latest = subscription.price_consents.order_by("-pk").first()
            if latest is not None and latest.state == ConsentState.APPLIED:
                return subscription  # consented before, and applied since: the same answer
            raise DomainError(ErrorCode.NO_PENDING_PRICE_CHANGE)
        if consent.state == ConsentState.CONSENTED:
            return subscription
        change = consent.price_change
        if not change.consent_opens_at <= now <= change.consent_deadline:
            raise DomainError(
                ErrorCode.PRICE_CHANGE_CONSENT_CLOSED,
                details={
                    "consent_opens_at": change.consent_opens_at.isoformat(),
                    "consent_deadline": change.consent_deadline.isoformat(),
                },
            )
        consent.state, consent.consented_at = ConsentState.CONSENTED, now
        consent.save(update_fields=["state", "consented_at"])
        _event(
            subscription,
            Kind.PRICE_CHANGE_CONSENTED,
            Actor.of(actor),
            price_change_id=change.price_change_id,
            price=consent.price,
            new_price=change.new_price,
            effective_at=change.effective_at.isoformat(),
        )
    return subscription


def subscriptions_notify_upcoming(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat's notice of a paid charge after a free period: every live subscription whose first paid
    period is due within the notice days (plus `BILLING_UPCOMING_NOTICE_LEAD`) gets one `upcoming_charge`
    log entry (→ the event `subscription.upcoming_charge`), once per period however often this runs, on
    as many workers as run it: the marker is re-read under the subscription's lock. Returns how many
    notices were recorded."""
    now = now or timezone.now()
    horizon = now + notice_days() + settings.BILLING_UPCOMING_NOTICE_LEAD
    rows = (
        Subscription.objects.filter(
            status__in=Subscription.LIVE_STATUSES,
            trial_ends_at__isnull=False,
            current_period=0,
            upcoming_notice_period__isnull=True,
            next_charge_at__lte=horizon,
        )
        .order_by("next_charge_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    recorded = 0
    for subscription_pk in list(rows):
        with transaction.atomic():
            subscription = _subscription_lock(subscription_pk)
            if subscription is None or subscription.status not in Subscription.LIVE_STATUSES:
                continue
            if _follows_free_period(subscription):
                recorded += _upcoming_notice_record(subscription, actor=SYSTEM, now=now)
    return recorded


def subscriptions_apply_price_changes(
    *, now: datetime | None = None, gateway: Gateway | None = None, limit: int = 200
) -> dict[str, int]:
    """Price changes of reserved subscriptions. Bootpay charges their next period by itself from a
    reservation, so the charge's claim never sees it: a period beginning at or after an open change's
    `effective_at` must not be charged by a reservation while the buyer's answer is unknown or against it.

    - not consented yet, `cancel_at_period_end`, a reservation standing (made at the old price before
      the change): revoked at once (one that already ran is booked first: `_reservation_revoke`);
      Bootpay not answering: tried again next run. The change is created at least
      `BILLING_PRICE_CHANGE_NOTICE_DAYS` before `effective_at`, so the hourly run has that long;
    - the answer known (consented, or `consent_deadline` passed): settled — consented → the new price,
      not consented → the old price kept, or the subscription cancelled with its paid period — and the
      period reserved at that price when nothing is (`_reserve_next` reserves nothing while unknown).

    Charged subscriptions are settled by their next period's claim instead. Returns a count per outcome
    (`held`: revoked, the answer still open)."""
    now = now or timezone.now()
    gateway = gateway_or_default(gateway)
    revoke = Q(state=ConsentState.PENDING, price_change__on_no_consent=OnNoConsent.CANCEL_AT_PERIOD_END) & ~Q(
        subscription__reserve_id=""
    )
    rows = (
        SubscriptionPriceConsent.objects.filter(
            state__in=SubscriptionPriceConsent.OPEN_STATES,
            subscription__mode=Subscription.Mode.RESERVE,
            subscription__status__in=Subscription.LIVE_STATUSES,
            price_change__effective_at__lte=F("subscription__next_charge_at"),
        )
        .filter(revoke | Q(state=ConsentState.CONSENTED) | Q(price_change__consent_deadline__lt=now))
        .order_by("pk")
        .values_list("subscription_id", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for subscription_pk in list(rows):
        try:
            outcome = _reserved_price_change_apply(subscription_pk, gateway=gateway, now=now)
        except DomainError as exc:  # Bootpay did not revoke the reservation: tried again next run
            outcome = f"refused:{exc.code}"
        except Exception:
            logger.exception("applying the price change of subscription pk=%s failed", subscription_pk)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _affects_next_period(subscription: Subscription, change: SubscriptionPriceChange) -> bool:
    return subscription.next_charge_at is not None and change.effective_at <= subscription.next_charge_at


def _reserved_price_change_apply(subscription_pk: int, *, gateway: Gateway, now: datetime) -> str:
    subscription = Subscription.objects.get(pk=subscription_pk)
    consent = _open_price_consent(subscription)
    if consent is None:
        return "settled"
    change = consent.price_change
    if not _affects_next_period(subscription, change):
        return "not_due"
    cancels = consent.state == ConsentState.PENDING and (
        change.on_no_consent == OnNoConsent.CANCEL_AT_PERIOD_END
    )
    if cancels and subscription.reserve_id:
        # Bootpay's reservation goes first: revoked (or its run booked), else nothing changes here.
        _reservation_revoke(subscription.pk, actor=SYSTEM, gateway=gateway)
    with transaction.atomic():
        subscription = _subscription_lock(subscription_pk)
        consent = _open_price_consent(subscription)
        if consent is None or subscription.status not in Subscription.LIVE_STATUSES:
            return "settled"
        if consent.state == ConsentState.PENDING and now <= change.consent_deadline:
            return "held"  # the buyer may still consent; nothing reserved meanwhile
        if cancels and subscription.reserve_id:
            return "reserved_again"  # a settle raced us: the next run revokes it
        if not _affects_next_period(subscription, change):
            return "not_due"  # its reservation ran meanwhile (booked): the next period decides
        ended = _price_consent_settle(subscription, consent, actor=SYSTEM, now=now)
        outcome = consent.state
        reserve = not ended and not subscription.reserve_id
    if ended:
        _key_destroy_if_unused(
            key_pk=subscription.billing_key_id, subscription=subscription, actor=SYSTEM, gateway=gateway
        )
    elif reserve:  # known now: the period is reserved at the agreed price (a fresh period only)
        _reserve_next(subscription_pk, actor=SYSTEM, gateway=gateway)
    return outcome
