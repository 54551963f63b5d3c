"""Billing keys: a buyer's `requestSubscription` id, registering the issued key (encrypted,
`config.crypto`), removing it, and destroying a key its last subscription no longer uses."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.crypto import secret_encrypt, secret_fingerprint
from config.errors import DomainError, ErrorCode
from payments.billing.models import BillingKey, BillingKeyRequest, Subscription
from payments.billing.services.common import (
    KEY_GONE,
    NOT_SUBSCRIBE,
    KeyStatus,
    Kind,
    _event,
    _invalid_key,
    _Secret,
)
from payments.gateway import (
    Gateway,
    GatewayError,
    GatewayUnavailable,
    ReceiptStatus,
)
from payments.services.common import (
    Actor,
    check_receipt_id,
    gateway_failure,
    gateway_or_default,
    logger,
)


def billing_key_request_start(*, buyer: AbstractBaseUser) -> BillingKeyRequest:
    """A new `subscription_id` for the buyer's `requestSubscription` (order name: `request.order_name`)."""
    if not buyer.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    return BillingKeyRequest.objects.create(buyer=buyer)


def billing_key_register(
    *, buyer: AbstractBaseUser | AnonymousUser, receipt_id: str, gateway: Gateway | None = None
) -> BillingKey:
    """Store the key a billing-key issuance produced, encrypted, for the buyer the issuance was for.

    Raises validation_error (not a receipt id, or unknown to Bootpay), billing_key_invalid with
    `details.reason`: `not_billing_receipt` (a payment receipt, not a key issuance),
    `not_issued_to_you` (its subscription_id was issued to another buyer, or by nobody here),
    `already_registered` (this receipt, or this key, is registered already: refused, also for the same
    buyer), and gateway_unavailable / gateway_error. Safe against concurrent registrations of one
    receipt: exactly one succeeds.
    """
    check_receipt_id(receipt_id)
    gateway = gateway_or_default(gateway)
    try:
        info = gateway.billing_key_for_receipt(receipt_id)
    except GatewayError as exc:
        if exc.code == NOT_SUBSCRIBE:
            raise _invalid_key("not_billing_receipt") from exc
        if exc.code == "RC_NOT_FOUND":
            raise DomainError.invalid("receipt_id", "Bootpay knows no such receipt") from exc
        raise gateway_failure(exc) from exc
    except GatewayUnavailable as exc:
        raise gateway_failure(exc) from exc
    if info.status != ReceiptStatus.BILLING_KEY_ISSUED or not info.billing_key:
        raise _invalid_key("not_billing_receipt")
    if info.receipt_id and info.receipt_id != receipt_id:
        raise _invalid_key("not_billing_receipt")
    fingerprint = secret_fingerprint(info.billing_key)
    with transaction.atomic():
        request = (
            BillingKeyRequest.objects.select_for_update().filter(subscription_id=info.subscription_id).first()
            if info.subscription_id
            else None
        )
        if request is None or buyer.pk is None or request.buyer_id != buyer.pk:
            raise _invalid_key("not_issued_to_you")
        taken = BillingKey.objects.filter(Q(receipt_id=receipt_id) | Q(key_fingerprint=fingerprint))
        if request.used_at is not None or taken.exists():
            raise _invalid_key("already_registered")
        try:
            with transaction.atomic():  # savepoint: the unique receipt and fingerprint are the last word
                key = BillingKey.objects.create(
                    buyer=buyer,
                    key_encrypted=secret_encrypt(info.billing_key),
                    key_fingerprint=fingerprint,
                    receipt_id=receipt_id,
                    card_company=info.card_company[:60],
                    card_number_masked=info.card_number_masked[:40],
                    expires_at=info.expires_at,
                )
        except IntegrityError as exc:
            raise _invalid_key("already_registered") from exc
        request.used_at = timezone.now()
        request.save(update_fields=["used_at"])
    logger.info("billing key %s registered (receipt %s)", key.billing_key_id, receipt_id)
    return key


def _key_in_use(key: BillingKey) -> list[str]:
    return list(
        Subscription.objects.filter(billing_key=key, status__in=Subscription.LIVE_STATUSES).values_list(
            "subscription_id", flat=True
        )
    )


def _destroy_at_bootpay(plain: _Secret, gateway: Gateway) -> None:
    """Destroy the key at Bootpay; one already gone (SUBSCRIBE_BK_EXPIRED) counts as destroyed."""
    try:
        gateway.billing_key_destroy(plain.value)
    except GatewayError as exc:
        if exc.code != KEY_GONE:
            raise


def billing_key_remove(
    *, buyer: AbstractBaseUser | AnonymousUser, billing_key_id: str, gateway: Gateway | None = None
) -> BillingKey:
    """The buyer removes one of their keys: destroyed at Bootpay, then kept as `removed`.

    Raises billing_key_not_found (not theirs, or unknown), billing_key_in_use (409, while an active or
    past-due subscription uses it: cancel that first; `details.subscription_ids`), gateway_unavailable
    and gateway_error (the key is then left as it was). Idempotent.
    """
    gateway = gateway_or_default(gateway)
    with transaction.atomic():
        key = (
            BillingKey.objects.select_for_update()
            .filter(billing_key_id=billing_key_id, buyer_id=buyer.pk)
            .first()
            if buyer.pk is not None and isinstance(billing_key_id, str)
            else None
        )
        if key is None:
            raise DomainError(ErrorCode.BILLING_KEY_NOT_FOUND)
        if key.status == KeyStatus.REMOVED:
            return key
        if in_use := _key_in_use(key):
            raise DomainError(ErrorCode.BILLING_KEY_IN_USE, details={"subscription_ids": in_use})
        before = key.status
        plain = _Secret(key.key)
        # Marked first, so no subscription can start on it while Bootpay destroys it.
        key.status, key.removed_at = KeyStatus.REMOVED, timezone.now()
        key.save(update_fields=["status", "removed_at"])
    try:
        _destroy_at_bootpay(plain, gateway)
    except (GatewayError, GatewayUnavailable) as exc:
        BillingKey.objects.filter(pk=key.pk, status=KeyStatus.REMOVED).update(status=before, removed_at=None)
        key.status, key.removed_at = before, None
        raise gateway_failure(exc) from exc
    logger.info("billing key %s removed by its buyer", key.billing_key_id)
    return key


def _key_destroy_if_unused(
    *, key_pk: int, subscription: Subscription, actor: Actor, gateway: Gateway
) -> bool:
    """Destroy a key no active or past-due subscription uses any more (after its last one ended).

    Best effort: when Bootpay refuses or does not answer, the key stays active (the buyer can remove it,
    cancelling again retries). True when it was destroyed now.
    """
    with transaction.atomic():
        key = BillingKey.objects.select_for_update().get(pk=key_pk)
        if key.status != KeyStatus.ACTIVE or _key_in_use(key):
            return False
        plain = _Secret(key.key)
        key.status, key.removed_at = KeyStatus.REMOVED, timezone.now()
        key.save(update_fields=["status", "removed_at"])
    try:
        _destroy_at_bootpay(plain, gateway)
    except (GatewayError, GatewayUnavailable) as exc:
        BillingKey.objects.filter(pk=key_pk, status=KeyStatus.REMOVED).update(
            status=KeyStatus.ACTIVE, removed_at=None
        )
        logger.warning("billing key %s not destroyed: %s", key.billing_key_id, type(exc).__name__)
        return False
    _event(subscription, Kind.KEY_DESTROYED, actor, billing_key_id=key.billing_key_id)
    return True
