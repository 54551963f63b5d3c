"""Fixtures of the identity tests (tests/payments/identity/, tests/graphql_api/test_identity.py): they talk
to the real emulator through the unmodified SDK (the process-wide gateway is swapped for one wired to it)."""

from datetime import date

import pytest
from django.utils import timezone

from payments import gateway as bootpay
from payments.identity.services import identity_verify_certificate


@pytest.fixture
def emulator(make_gateway, sandbox):
    bootpay.set_gateway(make_gateway())
    yield sandbox
    bootpay.set_gateway(None)


@pytest.fixture
def born_years_ago():
    def born(years: int, month: int = 1, day: int = 1) -> str:
        return date(timezone.localdate().year - years, month, day).strftime("%Y%m%d")

    return born


@pytest.fixture
def certificate(emulator, born_years_ago):
    """A browser verification at the emulator: `certificate(birth=..., unique=...)` → its receipt id."""

    def make(**fields) -> str:
        fields.setdefault("birth", born_years_ago(30))
        return emulator.state.create_certificate(**fields)["receipt_id"]

    return make


@pytest.fixture
def verified_adult(certificate):
    def verify(user, **fields):
        return identity_verify_certificate(user=user, receipt_id=certificate(**fields))

    return verify
