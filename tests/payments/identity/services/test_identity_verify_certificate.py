from datetime import date, timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from payments.identity.models import IdentityVerification
from payments.identity.services import (
    identity_is_adult,
    identity_person_hash,
    identity_verify_certificate,
)

pytestmark = pytest.mark.django_db


def _refusal(excinfo) -> tuple[str, str | None]:
    return excinfo.value.code, excinfo.value.details.get("reason")


def test_a_verified_adult_is_stored_without_anything_personal(buyer, certificate, born_years_ago):
    receipt_id = certificate(
        birth=born_years_ago(30), unique="CI-ADULT-1", name="홍길동", phone="01055554444"
    )

    verification = identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert verification.adult is True
    assert verification.receipt_id == receipt_id
    assert verification.person_hash == identity_person_hash("CI-ADULT-1") != "CI-ADULT-1"
    assert verification.expires_at - verification.verified_at == timedelta(days=365)
    stored = str(IdentityVerification.objects.filter(pk=verification.pk).values().get())
    for personal in ("CI-ADULT-1", "홍길동", "01055554444", born_years_ago(30)):
        assert personal not in stored


@pytest.mark.parametrize(
    ("years", "adult"),
    [(19, True), (18, False), (20, True), (10, False)],
    ids=["turns-19-this-year", "turns-19-next-year", "twenty", "child"],
)
def test_adulthood_counts_by_birth_year(buyer, certificate, born_years_ago, years, adult):
    # 청소년보호법 제2조제1호: born in (this year − 19) is no youth from 1 January, even born on 31 December.
    receipt_id = certificate(birth=born_years_ago(years, month=12, day=31))

    assert identity_verify_certificate(user=buyer, receipt_id=receipt_id).adult is adult


def test_the_birth_year_rule_at_its_boundary():
    assert identity_is_adult(birth=date(2007, 12, 31), today=date(2026, 1, 1)) is True
    assert identity_is_adult(birth=date(2008, 1, 1), today=date(2026, 12, 31)) is False


def test_a_verification_not_completed_is_refused(buyer, certificate):
    receipt_id = certificate(state="pending")

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "not_verified")
    assert not IdentityVerification.objects.exists()


def test_a_verification_bootpay_calls_expired_is_refused(buyer, certificate):
    receipt_id = certificate(authenticated_ago_s=31 * 60)  # the emulator answers AUTH_EXPIRED

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "auth_expired")


def test_a_verification_older_than_thirty_minutes_is_refused_even_if_bootpay_answers(
    buyer, certificate, monkeypatch
):
    receipt_id = certificate()
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr("payments.identity.services.timezone.now", lambda: later)

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "expired")


def test_a_verification_dated_in_the_future_is_refused(buyer, certificate):
    # Status 12 but `authenticated_at` a year ahead: accepted, it would count until a year past the TTL.
    receipt_id = certificate(authenticated_ago_s=-365 * 24 * 3600)

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "not_verified")
    assert not IdentityVerification.objects.exists()


def test_an_unknown_receipt_is_refused(buyer, emulator):
    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id="0123456789abcdef01234567")

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "rc_not_found")


def test_a_malformed_receipt_id_is_a_validation_error(buyer, emulator):
    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id="../receipt/x")

    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR


def test_a_receipt_used_by_another_account_is_refused(buyer, make_user, certificate):
    receipt_id = certificate()
    identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=make_user(), receipt_id=receipt_id)

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "receipt_used")
    assert IdentityVerification.objects.filter(receipt_id=receipt_id).get().user == buyer


def test_the_same_receipt_again_answers_the_same_verification(buyer, certificate, emulator):
    receipt_id = certificate()
    first = identity_verify_certificate(user=buyer, receipt_id=receipt_id)
    calls = emulator.state.call_count("GET", "certificate")

    assert identity_verify_certificate(user=buyer, receipt_id=receipt_id) == first
    assert emulator.state.call_count("GET", "certificate") == calls


def test_another_persons_verification_does_not_replace_the_accounts_own(buyer, certificate):
    identity_verify_certificate(user=buyer, receipt_id=certificate(unique="CI-ME"))

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=certificate(unique="CI-SOMEONE-ELSE"))

    assert _refusal(excinfo) == (ErrorCode.IDENTITY_VERIFICATION_FAILED, "another_person")


@pytest.mark.parametrize(
    ("mode", "code"),
    [("hang", ErrorCode.GATEWAY_UNAVAILABLE), ("status_500", ErrorCode.GATEWAY_UNAVAILABLE)],
)
def test_bootpay_failing_stores_nothing(buyer, certificate, emulator, make_gateway, mode, code):
    from payments import gateway as bootpay

    bootpay.set_gateway(make_gateway(timeout_s=0.5))
    receipt_id = certificate()
    emulator.state.add_fault("certificate", mode, latency_s=2 if mode == "hang" else 0)

    with pytest.raises(DomainError) as excinfo:
        identity_verify_certificate(user=buyer, receipt_id=receipt_id)

    assert excinfo.value.code == code
    assert not IdentityVerification.objects.exists()
