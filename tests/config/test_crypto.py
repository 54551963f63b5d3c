"""config.crypto: the secrets at rest shared by billing keys and cash receipt identifiers."""

import pytest
from cryptography.fernet import Fernet

from config.crypto import (
    SecretDecryptionError,
    secret_decrypt,
    secret_encrypt,
    secret_fingerprint,
    secret_reencrypt,
)

KEY = "dGVzdC1vbmx5LWJpbGxpbmcta2V5LTMyLWJ5dGVzISE="
# Written by `payments.billing.crypto.billing_key_encrypt("01012345678")` under KEY, before the helper moved
# here: rows stored by the old module must open as they are.
OLD_MODULE_TOKEN = (
    "gAAAAABrFTc8IiERia7AH-1p6wjj06musS9W54_K7SkT2eipH2Vq7-ZhFOIxA-8eQRaIBGdibloxQNk4ktYaRIxoDYBdPbew9A=="
)


def test_a_token_of_the_former_billing_module_decrypts(settings):
    settings.BILLING_KEY_ENCRYPTION_KEYS = [KEY]

    assert secret_decrypt(OLD_MODULE_TOKEN) == "01012345678"


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    new = Fernet.generate_key().decode()
    settings.BILLING_KEY_ENCRYPTION_KEYS = [KEY]
    old_token = secret_encrypt("secret")

    settings.BILLING_KEY_ENCRYPTION_KEYS = [new, KEY]
    assert secret_decrypt(old_token) == "secret"
    rotated = secret_reencrypt(old_token)

    assert secret_reencrypt(rotated) == rotated  # already under the newest key: left as it is
    settings.BILLING_KEY_ENCRYPTION_KEYS = [new]
    assert secret_decrypt(rotated) == "secret"
    with pytest.raises(SecretDecryptionError) as refused:
        secret_decrypt(old_token)
    assert "secret" not in str(refused.value)


def test_the_fingerprint_is_stable_and_not_the_secret():
    assert secret_fingerprint("abc") == secret_fingerprint("abc") != secret_fingerprint("abd")
    assert "abc" not in secret_fingerprint("abc")
