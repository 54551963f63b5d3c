"""Billing keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the keys of
`settings.BILLING_KEY_ENCRYPTION_KEYS` (MultiFernet: the first encrypts, every one decrypts).

A billing key lets us charge a card without the buyer: it is stored only encrypted, decrypted only in
memory for the one gateway call that needs it, never logged, never serialized, never shown in the admin.
The fingerprint (SHA-256 of the key) finds a key registered twice without decrypting anything.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class BillingKeyDecryptionError(Exception):
    """A stored key no configured encryption key opens (a key dropped from the setting too early)."""


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _cipher() -> MultiFernet:
    # Looked up per call, so a test overriding the setting takes effect at once.
    return _multi_fernet(tuple(settings.BILLING_KEY_ENCRYPTION_KEYS))


def billing_key_encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def billing_key_decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise BillingKeyDecryptionError("no configured BILLING_KEY_ENCRYPTION_KEYS entry opens it") from None


def billing_key_reencrypt(token: str) -> str:
    """The same key encrypted with the first (newest) encryption key (`manage.py rotate_billing_keys`)."""
    try:
        return _cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise BillingKeyDecryptionError("no configured BILLING_KEY_ENCRYPTION_KEYS entry opens it") from None


def billing_key_fingerprint(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
