"""Identity verification (본인인증) and the adult rule (docs/identity.md).

An account becomes verified by presenting a completed Bootpay verification: the browser's (the shop ran
`requestAuthentication` and sends its `receipt_id`; `identity_verify_certificate`) or an SMS one run over
REST for apps (`identity_sms_request` → `identity_sms_confirm`, `identity_sms_resend`). The certificate is
accepted only when Bootpay says it is complete (status 12) and it is less than 30 minutes old; what is kept
is `IdentityVerification`: when, whether the person is an adult, a keyed hash of the CI. Nothing personal
is logged, stored or answered.

Errors: validation_error (malformed input), identity_verification_failed (`details.reason`: not_verified,
expired, receipt_used, another_person, incomplete, unknown_handle, otp_mismatch and Bootpay's refusal
codes), gateway_unavailable (Bootpay's answer is unknown: nothing is stored) and gateway_error.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.gateway import Gateway, GatewayError, GatewayUnavailable, is_receipt_id
from payments.gateway.identity import Certificate
from payments.identity.models import IdentitySmsChallenge, IdentityVerification
from payments.services.common import gateway_or_default

logger = logging.getLogger("payments.identity")

# Bootpay: a verification's result is usable for 30 minutes, then `AUTH_EXPIRED` (bootpay-mcp).
CERTIFICATE_VALIDITY = timedelta(minutes=30)
# How far Bootpay's clock may run ahead of ours: an `authenticated_at` later than this is no completed
# verification (and would push `expires_at` past the TTL).
CLOCK_SKEW = timedelta(minutes=5)
# 청소년보호법 제2조제1호: a 청소년 is under 19, except one past 1 January of the year of turning 19.
ADULT_AGE = 19
# Bootpay refusals that mean "this verification cannot be used" (the caller's, not our configuration's).
_REFUSALS = frozenset(
    {"RC_NOT_FOUND", "AUTH_EXPIRED", "AUTH_NOT_READY", "AUTH_CONFIRM_READY_FAILED", "INVALID_RECEIPT_ID"}
)
CARRIERS = ("SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO")
# ASCII digits only: `\d` alone takes any script's digits ('٠١٢'), which Bootpay would receive as they are.
_PHONE = re.compile(r"^01[016789]\d{7,8}$", re.ASCII)
_IDENTITY_NO = re.compile(r"^\d{6}[1-8]$", re.ASCII)  # 생년월일 YYMMDD + the first digit of the rest
_OTP = re.compile(r"^\d{4,8}$", re.ASCII)
SMS_ORDER_NAME = "본인인증"
NAME_MAX = 50


def identity_is_adult(*, birth: date, today: date) -> bool:
    """Not a 청소년 under 청소년보호법 제2조제1호: born in or before (this year − 19), whatever the day."""
    return birth.year <= today.year - ADULT_AGE


def identity_person_hash(unique: str) -> str:
    """HMAC-SHA256 of a CI under `IDENTITY_HASH_KEY` (else a key derived from SECRET_KEY): equal for one
    person, useless to anyone without the key."""
    key = settings.IDENTITY_HASH_KEY or f"identity-ci:{settings.SECRET_KEY}"
    return hmac.new(key.encode(), unique.encode(), hashlib.sha256).hexdigest()


def _failed(reason: str) -> DomainError:
    return DomainError(ErrorCode.IDENTITY_VERIFICATION_FAILED, details={"reason": reason})


def _gateway_failure(exc: GatewayError | GatewayUnavailable) -> DomainError:
    # Bootpay's message is left out on purpose: an identity call's message could quote what was sent.
    if isinstance(exc, GatewayUnavailable):
        return DomainError(ErrorCode.GATEWAY_UNAVAILABLE, details={"reason": exc.reason})
    if exc.code in _REFUSALS or exc.code.startswith("AUTH_"):
        return _failed(exc.code.lower())
    return DomainError(ErrorCode.GATEWAY_ERROR, details={"pg_code": exc.code})


def _check_receipt_id(receipt_id: object, field: str = "receipt_id") -> str:
    if not is_receipt_id(receipt_id):
        raise DomainError.invalid(field, "not a Bootpay receipt id")
    return str(receipt_id)


def _earlier(receipt_id: str, user: AbstractBaseUser) -> IdentityVerification | None:
    """The verification already made with this receipt: the caller's (a retry) or a refusal."""
    earlier = IdentityVerification.objects.filter(receipt_id=receipt_id).first()
    if earlier is not None and earlier.user_id != user.pk:
        raise _failed("receipt_used")
    return earlier


def _accept(
    *, user: AbstractBaseUser, certificate: Certificate, method: str, now: datetime
) -> IdentityVerification:
    """Store a verification from a certificate Bootpay vouched for, or refuse it."""
    if not certificate.verified:
        raise _failed("not_verified")
    verified_at = certificate.authenticated_at
    if verified_at is None or certificate.birth is None or not certificate.unique:
        raise _failed("incomplete")
    if now - verified_at > CERTIFICATE_VALIDITY:
        raise _failed("expired")
    if verified_at - now > CLOCK_SKEW:
        raise _failed("not_verified")
    person = identity_person_hash(certificate.unique)
    # One account, one person: a verification of someone else does not replace the account's own.
    if IdentityVerification.objects.filter(user=user).exclude(person_hash=person).exists():
        raise _failed("another_person")
    adult = identity_is_adult(birth=certificate.birth, today=timezone.localdate(now))
    try:
        with transaction.atomic():
            verification = IdentityVerification.objects.create(
                user=user,
                receipt_id=certificate.receipt_id,
                method=method,
                person_hash=person,
                adult=adult,
                verified_at=verified_at,
                expires_at=verified_at + settings.IDENTITY_VERIFICATION_TTL,
            )
    except IntegrityError:  # the same receipt presented at the same moment by two accounts
        earlier = _earlier(certificate.receipt_id, user)
        if earlier is None:
            raise
        return earlier
    logger.info(
        "identity verified: user=%s verification=%s method=%s adult=%s",
        user.pk,
        verification.pk,
        method,
        adult,
    )
    return verification


def identity_verify_certificate(
    *, user: AbstractBaseUser | AnonymousUser, receipt_id: str, gateway: Gateway | None = None
) -> IdentityVerification:
    """Accept the browser verification `receipt_id` for `user` (read with Bootpay's `certificate`).

    Raises not_authenticated, validation_error, identity_verification_failed (not complete, older than
    Bootpay's 30 minutes or AUTH_EXPIRED, used by another account, another person than the account's),
    gateway_unavailable (nothing stored) and gateway_error. A retry with the same receipt answers the
    same verification.
    """
    if not user.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    receipt_id = _check_receipt_id(receipt_id)
    if earlier := _earlier(receipt_id, user):
        return earlier
    if IdentitySmsChallenge.objects.filter(receipt_id=receipt_id).exclude(user=user).exists():
        raise _failed("receipt_used")
    gateway = gateway_or_default(gateway)
    try:
        certificate = gateway.certificate(receipt_id)
    except (GatewayError, GatewayUnavailable) as exc:
        raise _gateway_failure(exc) from exc
    if certificate.receipt_id != receipt_id:
        raise _failed("not_verified")
    return _accept(
        user=user, certificate=certificate, method=IdentityVerification.Method.BROWSER, now=timezone.now()
    )


def _check_sms_input(*, name: str, identity_no: str, carrier: str, phone: str) -> tuple[str, str, str, str]:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= NAME_MAX:
        raise DomainError.invalid("name", f"1 to {NAME_MAX} characters")
    identity_no = identity_no if isinstance(identity_no, str) else ""
    if not _IDENTITY_NO.fullmatch(identity_no) or _birth_from_identity_no(identity_no) is None:
        raise DomainError.invalid("identity_no", "7 digits: the birth date (YYMMDD) and the digit after it")
    if carrier not in CARRIERS:
        raise DomainError.invalid("carrier", f"must be one of: {', '.join(CARRIERS)}")
    phone = re.sub(r"[\s-]", "", phone) if isinstance(phone, str) else ""
    if not _PHONE.fullmatch(phone):
        raise DomainError.invalid("phone", "a Korean mobile number (010…)")
    return name, identity_no, carrier, phone


def _birth_from_identity_no(identity_no: str) -> date | None:
    century = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000, "8": 2000}
    try:
        return date(
            century[identity_no[6]] + int(identity_no[:2]), int(identity_no[2:4]), int(identity_no[4:6])
        )
    except (KeyError, ValueError):
        return None


def identity_sms_request(
    *,
    user: AbstractBaseUser | AnonymousUser,
    name: str,
    identity_no: str,
    carrier: str,
    phone: str,
    gateway: Gateway | None = None,
) -> IdentitySmsChallenge:
    """Start an SMS verification for `user`: Bootpay texts a code to `phone`. The challenge's receipt id is
    the handle `identity_sms_confirm` and `identity_sms_resend` take.

    Raises not_authenticated, validation_error, identity_verification_failed (Bootpay refused),
    gateway_unavailable and gateway_error. Not idempotent: each call sends a new text. The personal values
    go to Bootpay only: never stored, logged or answered.
    """
    if not user.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    name, identity_no, carrier, phone = _check_sms_input(
        name=name, identity_no=identity_no, carrier=carrier, phone=phone
    )
    authentication_id = f"idv_{secrets.token_hex(12)}"
    gateway = gateway_or_default(gateway)
    try:
        certificate = gateway.authentication_request(
            authentication_id=authentication_id,
            pg=settings.IDENTITY_SMS_PG,
            username=name,
            identity_no=identity_no,
            carrier=carrier,
            phone=phone,
            order_name=SMS_ORDER_NAME,
        )
    except (GatewayError, GatewayUnavailable) as exc:
        raise _gateway_failure(exc) from exc
    challenge = IdentitySmsChallenge.objects.create(
        user=user, receipt_id=certificate.receipt_id, authentication_id=authentication_id
    )
    logger.info("identity SMS sent: user=%s challenge=%s", user.pk, challenge.pk)
    return challenge


def _challenge(user: AbstractBaseUser | AnonymousUser, handle: str) -> IdentitySmsChallenge:
    if not user.is_authenticated:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)
    handle = _check_receipt_id(handle, "handle")
    challenge = IdentitySmsChallenge.objects.filter(user=user, receipt_id=handle).first()
    if challenge is None:  # unknown, or another account's: the same answer
        raise _failed("unknown_handle")
    return challenge


def identity_sms_confirm(
    *, user: AbstractBaseUser | AnonymousUser, handle: str, otp: str, gateway: Gateway | None = None
) -> IdentityVerification:
    """Confirm an SMS verification with the code the person received; on success it is the account's
    verification, under the same rules as a browser one.

    Raises not_authenticated, validation_error, identity_verification_failed (unknown_handle; a wrong code
    or an expired one: Bootpay's code in `details.reason`; too_many_attempts after
    IDENTITY_SMS_MAX_ATTEMPTS codes tried: start a new verification), gateway_unavailable and
    gateway_error. A retry after success answers the same verification.
    """
    challenge = _challenge(user, handle)
    if not isinstance(otp, str) or not _OTP.fullmatch(otp):
        raise DomainError.invalid("otp", "the 4 to 8 digit code")
    if earlier := _earlier(challenge.receipt_id, user):
        return earlier
    # One attempt counted before Bootpay hears the code (a conditional UPDATE, so racing callers together
    # get at most IDENTITY_SMS_MAX_ATTEMPTS): the code cannot be guessed by trying.
    counted = IdentitySmsChallenge.objects.filter(
        pk=challenge.pk, attempts__lt=settings.IDENTITY_SMS_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise _failed("too_many_attempts")
    gateway = gateway_or_default(gateway)
    try:
        certificate = gateway.authentication_confirm(receipt_id=challenge.receipt_id, otp=otp)
        if not certificate.unique or certificate.birth is None:
            certificate = gateway.certificate(challenge.receipt_id)  # confirm's answer lacked the data
    except (GatewayError, GatewayUnavailable) as exc:
        raise _gateway_failure(exc) from exc
    return _accept(
        user=user, certificate=certificate, method=IdentityVerification.Method.SMS, now=timezone.now()
    )


def identity_sms_resend(
    *, user: AbstractBaseUser | AnonymousUser, handle: str, gateway: Gateway | None = None
) -> IdentitySmsChallenge:
    """Send the code of an SMS verification again (Bootpay's realarm).

    Raises not_authenticated, validation_error, identity_verification_failed (unknown_handle, already
    confirmed, Bootpay refused), gateway_unavailable and gateway_error.
    """
    challenge = _challenge(user, handle)
    if IdentityVerification.objects.filter(receipt_id=challenge.receipt_id).exists():
        raise _failed("already_confirmed")
    gateway = gateway_or_default(gateway)
    try:
        gateway.authentication_realarm(challenge.receipt_id)
    except (GatewayError, GatewayUnavailable) as exc:
        raise _gateway_failure(exc) from exc
    IdentitySmsChallenge.objects.filter(pk=challenge.pk).update(resends=challenge.resends + 1)
    challenge.resends += 1
    return challenge
