"""Notifications: who is told what (`NOTICES`), the rows made at dispatch, sending them once.

`notifications_create` runs in `events_dispatch`'s transaction (the `event_dispatching` receiver): it
writes one `Notification` per (event, recipient, channel), unique together, so a dispatch repeated
after a crash adds nothing; sending starts after commit (`on_commit` → Celery). `notification_send`
claims a pending row under `select_for_update(skip_locked)` with a lease, commits the claim, sends
outside any transaction, then records the outcome: a row is sent at most once by well-behaved workers
(a worker dying between the hand-over and the record resends after the lease: at-least-once, as SMTP
itself is). Transient failures wait `NOTIFICATION_RETRY_BACKOFF_S · 2^(attempt-1)` (capped) and are
picked up by the task's own retry or the beat sweep `notifications_send_due`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Seller
from payments.events.models import (
    Event,
    EventType,
    Language,
    Notification,
    NotificationPreference,
)
from payments.events.selectors import event_reader_ids
from payments.events.services.channels import ChannelError, Recipient, channels_configured
from payments.events.services.rendering import notice_render

logger = logging.getLogger(__name__)

T = EventType
BUYER = "buyer"  # event.buyer
# The user of each seller recorded as a reader of the event (`Event.sellers`, outbox.event_readers): an
# order's sellers, those a refund is charged to, a subscription's product's seller; sees its view only.
SELLERS = "sellers"
STAFF = "staff"  # active staff users with an email

# Who is told of what: the one table (docs/events.md, "Notifications", renders it). A type absent here
# notifies nobody (escrow.registered: the seller registered it).
NOTICES: dict[str, tuple[str, ...]] = {
    T.ORDER_PAID: (BUYER, SELLERS),
    T.PAYMENT_VIRTUAL_ACCOUNT_ISSUED: (BUYER,),
    T.PAYMENT_DEPOSIT_RECEIVED: (BUYER,),
    T.PAYMENT_FAILED: (BUYER,),
    T.REFUND_REQUESTED: (SELLERS,),
    T.REFUND_SUCCEEDED: (BUYER, SELLERS),
    T.REFUND_FAILED: (BUYER,),
    T.SUBSCRIPTION_STARTED: (BUYER, SELLERS),
    T.SUBSCRIPTION_CHARGED: (BUYER,),
    T.SUBSCRIPTION_DECLINED: (BUYER,),
    T.SUBSCRIPTION_PAST_DUE: (BUYER,),
    T.SUBSCRIPTION_CANCELLED: (BUYER, SELLERS),
    T.SUBSCRIPTION_UPCOMING_CHARGE: (BUYER,),
    T.SUBSCRIPTION_PRICE_CHANGE_PENDING: (BUYER,),
    T.CASH_RECEIPT_ISSUED: (BUYER,),
    T.CASH_RECEIPT_CANCELLED: (BUYER,),
    T.PG_OUTCOME_OPEN: (STAFF,),
}
# Notices the law requires (전자상거래법 / 구독 경제 소비자 보호: advance notice of a paid charge after a free
# period, consent to a price increase): sent whatever the opt-outs say.
LEGAL_NOTICES = frozenset({T.SUBSCRIPTION_UPCOMING_CHARGE, T.SUBSCRIPTION_PRICE_CHANGE_PENDING})
OPT_OUT_FIELD = {"email": "email_opt_out", "alimtalk": "alimtalk_opt_out", "sms": "alimtalk_opt_out"}

State = Notification.State
Audience = Notification.Audience


def _recipients(event: Event) -> list[tuple[int, str, int | None]]:
    """(user pk, audience, seller pk) per person told of `event`; one entry per user (first rule wins)."""
    found: list[tuple[int, str, int | None]] = []
    for rule in NOTICES.get(event.type, ()):
        if rule == BUYER:
            if event.buyer_id is not None and not _buyer_hears_elsewhere(event):
                found.append((event.buyer_id, Audience.BUYER, None))
        elif rule == SELLERS:
            readers = Seller.objects.filter(pk__in=event_reader_ids(event)).order_by("pk")
            for seller_pk, user_pk in readers.values_list("pk", "user_id"):
                found.append((user_pk, Audience.SELLER, seller_pk))
        elif rule == STAFF:
            staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
            found.extend((user_pk, Audience.STAFF, None) for user_pk in staff.values_list("pk", flat=True))
    seen: set[int] = set()
    return [entry for entry in found if not (entry[0] in seen or seen.add(entry[0]))]


def _buyer_hears_elsewhere(event: Event) -> bool:
    # A subscription charge pays an ordinary order: the buyer's receipt is subscription.charged.
    if event.type != T.ORDER_PAID or event.order_id is None:
        return False
    from payments.billing.models import SubscriptionCharge

    return SubscriptionCharge.objects.filter(order_id=event.order_id).exists()


def notifications_create(*, event: Event) -> list[int]:
    """Write the notifications of `event` (inside the dispatch transaction); returns the pending ids.

    Each (event, recipient, channel) once (a unique constraint: a repeated dispatch adds nothing). A row
    is born `skipped` when the recipient opted out of that channel (never for a legal notice) or has
    no address on it. Sending is scheduled after commit.
    """
    recipients = _recipients(event)
    if not recipients:
        return []
    channels = channels_configured()
    users = get_user_model().objects.in_bulk([user_pk for user_pk, _, _ in recipients])
    preferences = NotificationPreference.objects.in_bulk(
        [user_pk for user_pk, _, _ in recipients], field_name="user_id"
    )
    legal = event.type in LEGAL_NOTICES
    rows = []
    for user_pk, audience, seller_pk in recipients:
        user, preference = users.get(user_pk), preferences.get(user_pk)
        if user is None:
            continue
        for name, channel in channels.items():
            opted_out = bool(preference and getattr(preference, OPT_OUT_FIELD[name]))
            has_address = bool(channel.address(_recipient(0, user, preference)))
            reason = ""
            if opted_out and not legal:
                reason = Notification.SkipReason.OPTED_OUT
            elif not has_address:
                reason = Notification.SkipReason.NO_ADDRESS
            rows.append(
                Notification(
                    event=event,
                    recipient_id=user_pk,
                    channel=name,
                    audience=audience,
                    seller_id=seller_pk,
                    legal=legal,
                    state=State.SKIPPED if reason else State.PENDING,
                    skip_reason=reason,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    pending = list(Notification.objects.filter(event=event, state=State.PENDING).values_list("pk", flat=True))
    if pending:
        transaction.on_commit(lambda: _enqueue(pending), robust=True)
    return pending


def _enqueue(notification_ids: list[int]) -> None:
    from payments.events.tasks import notification_send_task

    for notification_id in notification_ids:
        notification_send_task.delay(notification_id)


def _recipient(notification_id: int, user, preference: NotificationPreference | None) -> Recipient:
    return Recipient(
        notification_id=notification_id,
        user_id=user.pk,
        email=user.email or "",
        phone=preference.phone if preference else "",
    )


def _claim(notification_id: int, now: datetime) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=notification_id, state=State.PENDING, next_attempt_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .first()
        )
        if notification is None:
            return None  # sent, final, not due, or another worker holds it
        notification.attempts += 1
        notification.leased_until = now + timedelta(seconds=settings.NOTIFICATION_LEASE_S)
        notification.save(update_fields=["attempts", "leased_until", "updated_at"])
        return notification


def _finish(notification_id: int, **fields) -> None:
    with transaction.atomic():
        notification = Notification.objects.select_for_update(of=("self",)).get(pk=notification_id)
        if notification.state != State.PENDING:
            return
        for name, value in fields.items():
            setattr(notification, name, value)
        notification.leased_until = None
        notification.save()


def retry_delay(attempts: int) -> int:
    base, cap = settings.NOTIFICATION_RETRY_BACKOFF_S, settings.NOTIFICATION_RETRY_BACKOFF_MAX_S
    return min(cap, base * 2 ** max(0, attempts - 1))


def notification_send(*, notification_id: int, now: datetime | None = None) -> tuple[str, int | None]:
    """Send one notification if it is due and nobody else holds it. Safe to call any number of times.

    Returns (outcome, retry in seconds): outcome is `sent`, `skipped`, `retry` (a transient failure;
    due again after the delay), `failed` (refused for good or out of attempts) or `not_due` (nothing
    done: already final, not yet due, or claimed by another worker).
    """
    now = now or timezone.now()
    notification = _claim(notification_id, now)
    if notification is None:
        return "not_due", None
    user = get_user_model().objects.get(pk=notification.recipient_id)
    preference = NotificationPreference.objects.filter(user_id=user.pk).first()
    channel = channels_configured().get(notification.channel)
    recipient = _recipient(notification.pk, user, preference)
    if channel is None or not channel.address(recipient):  # the channel was removed, the address erased
        _finish(notification.pk, state=State.SKIPPED, skip_reason=Notification.SkipReason.NO_ADDRESS)
        return "skipped", None
    language = preference.language if preference else "ko"
    message = notice_render(
        notification.event,
        audience=notification.audience,
        seller_pk=notification.seller_id,
        language=language,
        legal=notification.legal,
    )
    try:
        channel.send(recipient, message)
    except ChannelError as exc:
        return _failed(notification, exc, now)
    _finish(notification.pk, state=State.SENT, sent_at=timezone.now(), error="")
    logger.info("notification sent", extra={"notification_id": notification.pk, "channel": channel.name})
    return "sent", None


def _failed(notification: Notification, exc: ChannelError, now: datetime) -> tuple[str, int | None]:
    log = {"notification_id": notification.pk, "error": exc.code, "attempts": notification.attempts}
    if exc.transient and notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        delay = retry_delay(notification.attempts)
        _finish(notification.pk, error=exc.code, next_attempt_at=now + timedelta(seconds=delay))
        logger.warning("notification send failed; retrying", extra=log | {"retry_in_s": delay})
        return "retry", delay
    _finish(notification.pk, state=State.FAILED, error=exc.code)
    logger.error("notification failed", extra=log)
    return "failed", None


def notifications_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: enqueue every pending notification that is due and not leased (lost enqueues, retries
    after a worker restart). Returns how many were enqueued; the claim decides who sends."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    from payments.events.tasks import notification_send_task

    for notification_id in due:
        notification_send_task.delay(notification_id)
    return len(due)


# --- Preferences -----------------------------------------------------------------------------------------


def notification_preference_get(*, user, default_language: str = "ko") -> NotificationPreference:
    """The user's preferences; an unsaved default (Korean unless told otherwise, every channel on)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user, language=default_language)


_MOBILE = re.compile(r"^01[016789]\d{7,8}$")


def phone_normalize(value: str) -> str:
    """A Korean mobile number as digits ("" stays ""); raises validation_error naming `phone`."""
    digits = re.sub(r"[\s-]", "", value or "")
    if digits and not _MOBILE.match(digits):
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, details={"fields": {"phone": ["not a Korean mobile number"]}}
        )
    return digits


def notification_preference_update(
    *,
    user,
    default_language: str = "ko",
    language: str | None = None,
    email_opt_out: bool | None = None,
    alimtalk_opt_out: bool | None = None,
    phone: str | None = None,
) -> NotificationPreference:
    """Set the given preferences (None: unchanged); `phone` is a Korean mobile number, "" removes it.

    The opt-outs cover every notice but the legal ones (`LEGAL_NOTICES`), which are sent regardless.
    A first save takes `default_language` (the request's Accept-Language) unless `language` is given.
    Raises validation_error (`language`, `phone`). Idempotent.
    """
    if language is not None and language not in Language.values:
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, details={"fields": {"language": [f"one of {Language.values}"]}}
        )
    changes = {
        "language": language,
        "email_opt_out": email_opt_out,
        "alimtalk_opt_out": alimtalk_opt_out,
        "phone": phone_normalize(phone) if phone is not None else None,
    }
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, defaults={"language": default_language}
        )
        for name, value in changes.items():
            if value is not None:
                setattr(preference, name, value)
        preference.save()
    return preference
