"""manage.py rotate_cash_receipt_keys: identifiers stored under the old key open after rotation, under the
new key alone."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from payments.cash_receipts.models import CashReceiptIssuance, CashReceiptRequest
from tests.payments.cash_receipts.conftest import PHONE

pytestmark = pytest.mark.django_db


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_cash_receipt_keys", stdout=out)
    return out.getvalue().strip()


def test_identifiers_encrypted_under_the_old_key_decrypt_after_rotation(cash_order, paid_cash, settings):
    order = cash_order(choice={"type": "income_deduction", "identifier": PHONE})
    paid_cash(order)
    request = CashReceiptRequest.objects.get(order=order)
    issuance = CashReceiptIssuance.objects.get(order=order, state="issued")
    old_tokens = (request.identifier_encrypted, issuance.identifier_encrypted)
    new = Fernet.generate_key().decode()
    settings.BILLING_KEY_ENCRYPTION_KEYS = [new, *settings.BILLING_KEY_ENCRYPTION_KEYS]

    assert rotate() == "requests=1 issuances=1"

    settings.BILLING_KEY_ENCRYPTION_KEYS = [new]  # the old key dropped
    request.refresh_from_db()
    issuance.refresh_from_db()
    assert (request.identifier_encrypted, issuance.identifier_encrypted) != old_tokens
    assert request.identifier == issuance.identifier == PHONE
    assert rotate() == "requests=0 issuances=0"  # again: nothing left to do


def test_rows_without_an_identifier_are_left_alone(cash_order, settings):
    order = cash_order(choice={"type": "none"})
    assert CashReceiptRequest.objects.get(order=order).identifier_encrypted == ""
    settings.BILLING_KEY_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.BILLING_KEY_ENCRYPTION_KEYS,
    ]

    assert rotate() == "requests=0 issuances=0"
