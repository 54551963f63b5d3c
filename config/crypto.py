"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the keys of
`settings.BILLING_KEY_ENCRYPTION_KEYS` (MultiFernet: the first encrypts, every one decrypts).

One helper for every capability that stores something it must read back but nobody may see: billing keys
(`payments.billing`) and cash receipt identifiers (`payments.cash_receipts`). It depends on Django's
settings only, so it lives with the shared plumbing and no capability borrows another's. The setting keeps
its historical name (billing keys were the first user); the token format is Fernet's, unchanged since
billing had this module, so rows written before the move decrypt as they are.

Rotation: put the new key first in the setting (keep the old one after it), deploy, run every rotation
command (`rotate_billing_keys`, `rotate_cash_receipt_keys`; docs/deploy.md), then drop the old key.
`rows_reencrypt` is their shared loop.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models, transaction


class SecretDecryptionError(Exception):
    """A stored token no configured encryption key opens (a key dropped from the setting too early)."""


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _cipher() -> MultiFernet:
    # Looked up per call, so a test overriding the setting takes effect at once.
    return _multi_fernet(tuple(settings.BILLING_KEY_ENCRYPTION_KEYS))


def secret_encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("no configured BILLING_KEY_ENCRYPTION_KEYS entry opens it") from None


def secret_reencrypt(token: str) -> str:
    """The same secret encrypted with the first (newest) encryption key; `token` itself when that key
    already opens it (so a rotation run again rewrites nothing)."""
    newest = _multi_fernet(tuple(settings.BILLING_KEY_ENCRYPTION_KEYS[:1]))
    try:
        newest.decrypt(token.encode())
        return token
    except InvalidToken:
        pass
    try:
        return _cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("no configured BILLING_KEY_ENCRYPTION_KEYS entry opens it") from None


def secret_fingerprint(plain: str) -> str:
    """SHA-256 of the secret: finds one stored twice without decrypting anything."""
    return hashlib.sha256(plain.encode()).hexdigest()


def rows_reencrypt(model: type[models.Model], *fields: str) -> int:
    """Re-encrypt `fields` (Fernet tokens; empty ones are skipped) of every row of `model` with the newest
    key; returns how many rows changed. Each row is rewritten in its own transaction under its row lock,
    so it is safe while the site runs and safe to run again."""
    rotated = 0
    for pk in model._default_manager.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = model._default_manager.select_for_update().filter(pk=pk).first()
            if row is None:  # deleted meanwhile
                continue
            changed = []
            for field in fields:
                token = getattr(row, field)
                if token and (new := secret_reencrypt(token)) != token:
                    setattr(row, field, new)
                    changed.append(field)
            if changed:
                row.save(update_fields=changed)
                rotated += 1
    return rotated
