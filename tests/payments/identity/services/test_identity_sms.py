import pytest

from config.errors import DomainError, ErrorCode
from payments.identity.models import IdentitySmsChallenge, IdentityVerification
from payments.identity.services import identity_sms_confirm, identity_sms_request, identity_sms_resend

pytestmark = pytest.mark.django_db

PERSON = {"name": "김민수", "identity_no": "9005051", "carrier": "KT", "phone": "010-2345-6789"}


def _otp(emulator, handle: str) -> str:
    return emulator.state.certificate_detail(handle)["otp"]


def _wrong(otp: str) -> str:
    return "000000" if otp != "000000" else "111111"


def test_an_sms_verification_confirmed_with_its_code_verifies_the_account(buyer, emulator):
    challenge = identity_sms_request(user=buyer, **PERSON)

    verification = identity_sms_confirm(
        user=buyer, handle=challenge.receipt_id, otp=_otp(emulator, challenge.receipt_id)
    )

    assert verification.adult is True
    assert verification.method == IdentityVerification.Method.SMS
    # The phone reached Bootpay as digits; the emulator's request log shows none of the personal values.
    person = emulator.state.certificate_detail(challenge.receipt_id)["authenticate_data"]
    assert person["phone"] == "01023456789"
    sent = [r for r in emulator.state.requests if r["template"] == "request/authentication"][-1]["body"]
    assert (sent["phone"], sent["username"], sent["identity_no"]) == ("***", "***", "***")


def test_a_wrong_code_is_refused_and_the_right_one_still_works(buyer, emulator):
    challenge = identity_sms_request(user=buyer, **PERSON)
    otp = _otp(emulator, challenge.receipt_id)

    with pytest.raises(DomainError) as excinfo:
        identity_sms_confirm(user=buyer, handle=challenge.receipt_id, otp=_wrong(otp))

    assert excinfo.value.code == ErrorCode.IDENTITY_VERIFICATION_FAILED
    assert excinfo.value.details["reason"] == "auth_confirm_ready_failed"
    assert identity_sms_confirm(user=buyer, handle=challenge.receipt_id, otp=otp).adult


def test_after_the_last_allowed_attempt_even_the_right_code_is_refused(buyer, emulator, settings):
    # A 6-digit code is not guessable by trying: a challenge takes IDENTITY_SMS_MAX_ATTEMPTS codes at most.
    settings.IDENTITY_SMS_MAX_ATTEMPTS = 3
    challenge = identity_sms_request(user=buyer, **PERSON)
    otp = _otp(emulator, challenge.receipt_id)
    for _ in range(3):
        with pytest.raises(DomainError):
            identity_sms_confirm(user=buyer, handle=challenge.receipt_id, otp=_wrong(otp))
    sent = len([r for r in emulator.state.requests if r["template"] == "authenticate/confirm"])

    with pytest.raises(DomainError) as excinfo:
        identity_sms_confirm(user=buyer, handle=challenge.receipt_id, otp=otp)

    assert excinfo.value.details["reason"] == "too_many_attempts"
    assert len([r for r in emulator.state.requests if r["template"] == "authenticate/confirm"]) == sent
    assert not IdentityVerification.objects.filter(user=buyer).exists()


def test_resending_sends_a_new_code(buyer, emulator):
    challenge = identity_sms_request(user=buyer, **PERSON)
    first = _otp(emulator, challenge.receipt_id)

    assert identity_sms_resend(user=buyer, handle=challenge.receipt_id).resends == 1

    second = _otp(emulator, challenge.receipt_id)
    assert emulator.state.call_count("POST", "authenticate/realarm") == 1
    assert identity_sms_confirm(user=buyer, handle=challenge.receipt_id, otp=second)
    assert IdentitySmsChallenge.objects.get().resends == 1
    del first


def test_a_minor_verified_by_sms_is_not_an_adult(buyer, emulator):
    challenge = identity_sms_request(user=buyer, **{**PERSON, "identity_no": "1501013"})

    verification = identity_sms_confirm(
        user=buyer, handle=challenge.receipt_id, otp=_otp(emulator, challenge.receipt_id)
    )

    assert verification.adult is False


def test_another_account_cannot_confirm_or_resend_the_challenge(buyer, make_user, emulator):
    challenge = identity_sms_request(user=buyer, **PERSON)
    other = make_user()

    for attempt in (
        lambda: identity_sms_confirm(
            user=other, handle=challenge.receipt_id, otp=_otp(emulator, challenge.receipt_id)
        ),
        lambda: identity_sms_resend(user=other, handle=challenge.receipt_id),
    ):
        with pytest.raises(DomainError) as excinfo:
            attempt()
        assert excinfo.value.details["reason"] == "unknown_handle"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identity_no", "900505"),
        ("identity_no", "9013011"),
        ("carrier", "XYZ"),
        ("phone", "02-123-4567"),
        ("phone", "010١٢٣٤٥٦٧٨"),  # Arabic-Indic digits: never sent to Bootpay as they are
        ("name", " "),
    ],
)
def test_bad_input_is_a_validation_error_before_bootpay_is_asked(buyer, emulator, field, value):
    with pytest.raises(DomainError) as excinfo:
        identity_sms_request(user=buyer, **{**PERSON, field: value})

    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert field in excinfo.value.details["fields"]
    assert emulator.state.call_count("POST", "request/authentication") == 0


def test_bootpay_timing_out_on_the_request_stores_nothing(buyer, emulator, make_gateway):
    from payments import gateway as bootpay

    bootpay.set_gateway(make_gateway(timeout_s=0.5))
    emulator.state.add_fault("request/authentication", "hang", latency_s=2)

    with pytest.raises(DomainError) as excinfo:
        identity_sms_request(user=buyer, **PERSON)

    assert excinfo.value.code == ErrorCode.GATEWAY_UNAVAILABLE
    assert not IdentitySmsChallenge.objects.exists()


def test_bootpay_failing_on_confirm_stores_nothing(buyer, emulator):
    challenge = identity_sms_request(user=buyer, **PERSON)
    emulator.state.add_fault("authenticate/confirm", "status_500", times=1)

    with pytest.raises(DomainError) as excinfo:
        identity_sms_confirm(
            user=buyer, handle=challenge.receipt_id, otp=_otp(emulator, challenge.receipt_id)
        )

    assert excinfo.value.code == ErrorCode.GATEWAY_UNAVAILABLE
    assert not IdentityVerification.objects.exists()
