"""Reads of the identity capability: an account's verification state, and whether it may buy adult-only
products now."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from payments.identity.models import IdentityVerification


@dataclass(frozen=True)
class IdentityState:
    """What an account may see of its own verification: never who the person is."""

    verified: bool  # a verification that has not expired
    adult: bool  # ... of a person who is not a 청소년 (a live adult verification)
    verified_at: datetime | None
    expires_at: datetime | None


def identity_current(*, user: AbstractBaseUser | AnonymousUser) -> IdentityVerification | None:
    """The account's newest verification that has not expired, or None."""
    if not user.is_authenticated:
        return None
    return (
        IdentityVerification.objects.filter(user=user, expires_at__gt=timezone.now())
        .order_by("-verified_at", "-pk")
        .first()
    )


def identity_live_adult(*, user: AbstractBaseUser | AnonymousUser) -> IdentityVerification | None:
    """The account's newest live verification showing an adult (what an adult-only order needs)."""
    if not user.is_authenticated:
        return None
    return (
        IdentityVerification.objects.filter(user=user, adult=True, expires_at__gt=timezone.now())
        .order_by("-verified_at", "-pk")
        .first()
    )


def identity_state(*, user: AbstractBaseUser | AnonymousUser) -> IdentityState:
    adult = identity_live_adult(user=user)
    current = adult or identity_current(user=user)
    if current is None:
        return IdentityState(verified=False, adult=False, verified_at=None, expires_at=None)
    return IdentityState(
        verified=True, adult=adult is not None, verified_at=current.verified_at, expires_at=current.expires_at
    )
