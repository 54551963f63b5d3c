"""Billing keys: registration for the buyer the issuance was for, refusals, removal, storage at rest."""

import io
import logging

import pytest
from django.db import connection

from config.crypto import secret_fingerprint
from config.errors import DomainError, ErrorCode
from payments.billing.models import BillingKey, BillingKeyRequest
from payments.billing.selectors import billing_key_get_visible, billing_key_list_visible
from payments.billing.services import (
    billing_key_register,
    billing_key_remove,
    billing_key_request_start,
    subscription_cancel,
)
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


def _refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_a_key_request_issues_an_unguessable_subscription_id_for_the_buyer(buyer):
    request = billing_key_request_start(buyer=buyer)

    assert request.subscription_id.startswith("bkr_") and len(request.subscription_id) == 28
    assert request.buyer == buyer and request.used_at is None
    assert request.order_name == "정기결제 카드 등록"


def test_registering_stores_the_key_encrypted_and_shows_only_the_masked_card(buyer, fake_bootpay, caplog):
    caplog.set_level(logging.DEBUG)
    request = billing_key_request_start(buyer=buyer)
    receipt_id = fake_bootpay.issue_key(request.subscription_id)
    plain = fake_bootpay.key_of(receipt_id)

    key = billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay)

    assert key.billing_key_id.startswith("bk_") and key.status == "active"
    assert (key.card_company, key.card_number_masked, key.receipt_id) == (
        "신한카드",
        "51234567****1234",
        receipt_id,
    )
    assert key.key == plain  # decrypts in memory
    assert key.key_fingerprint == secret_fingerprint(plain)
    assert plain not in repr(key) and plain not in str(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM payments_billingkey WHERE id = %s", [key.pk])
        row = cursor.fetchone()
    assert not any(plain in str(value) for value in row)
    assert all(plain not in f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert BillingKeyRequest.objects.get(pk=request.pk).used_at is not None


def test_a_payment_receipt_is_not_a_billing_key(buyer, fake_bootpay):
    receipt_id = fake_bootpay.pay_receipt(order_id="ord_x", price=1000)

    error = _refusal(lambda: billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay))

    assert (error.code, error.details) == (ErrorCode.BILLING_KEY_INVALID, {"reason": "not_billing_receipt"})
    assert error.http_status == 400 and not BillingKey.objects.exists()


def test_a_subscription_id_issued_to_another_buyer_or_to_nobody_is_refused(buyer, make_user, fake_bootpay):
    other = make_user()
    theirs = fake_bootpay.issue_key(billing_key_request_start(buyer=other).subscription_id)
    nobodys = fake_bootpay.issue_key("bkr_" + "0" * 24)

    for receipt_id in (theirs, nobodys):
        error = _refusal(
            lambda r=receipt_id: billing_key_register(buyer=buyer, receipt_id=r, gateway=fake_bootpay)
        )
        assert (error.code, error.details["reason"]) == (ErrorCode.BILLING_KEY_INVALID, "not_issued_to_you")
    assert not BillingKey.objects.exists()


def test_a_receipt_registered_once_is_refused_the_second_time(buyer, make_user, fake_bootpay):
    receipt_id = fake_bootpay.issue_key(billing_key_request_start(buyer=buyer).subscription_id)
    billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay)

    again = _refusal(lambda: billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay))
    stranger = _refusal(
        lambda: billing_key_register(buyer=make_user(), receipt_id=receipt_id, gateway=fake_bootpay)
    )

    assert again.details["reason"] == "already_registered"
    assert stranger.details["reason"] == "not_issued_to_you"  # says nothing of whose it is
    assert BillingKey.objects.count() == 1


def test_unknown_receipts_and_malformed_ids_are_validation_errors(buyer, fake_bootpay):
    for receipt_id in ("0" * 24, "../x"):
        error = _refusal(
            lambda r=receipt_id: billing_key_register(buyer=buyer, receipt_id=r, gateway=fake_bootpay)
        )
        assert error.code == ErrorCode.VALIDATION_ERROR


def test_bootpay_unavailable_registers_nothing(buyer, fake_bootpay):
    receipt_id = fake_bootpay.issue_key(billing_key_request_start(buyer=buyer).subscription_id)
    fake_bootpay.fault("billing_key_for_receipt", "timeout")

    error = _refusal(lambda: billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay))

    assert error.code == ErrorCode.GATEWAY_UNAVAILABLE and not BillingKey.objects.exists()
    assert billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay).status == "active"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_receipt_store_one_key(buyer, fake_bootpay):
    receipt_id = fake_bootpay.issue_key(billing_key_request_start(buyer=buyer).subscription_id)

    def register():
        return billing_key_register(buyer=buyer, receipt_id=receipt_id, gateway=fake_bootpay).pk

    results, refusals = run_at_once(*([register] * 8))

    assert len(results) == 1 and refusals == [ErrorCode.BILLING_KEY_INVALID] * 7
    assert BillingKey.objects.count() == 1


def test_removing_a_key_a_subscription_uses_is_refused_until_it_is_cancelled(buyer, fake_bootpay, subscribe):
    subscription = subscribe(buyer)
    key = subscription.billing_key

    error = _refusal(
        lambda: billing_key_remove(buyer=buyer, billing_key_id=key.billing_key_id, gateway=fake_bootpay)
    )

    assert (error.code, error.http_status) == (ErrorCode.BILLING_KEY_IN_USE, 409)
    assert error.details == {"subscription_ids": [subscription.subscription_id]}
    assert not fake_bootpay.keys[key.key]["destroyed"]


def test_removing_an_unused_key_destroys_it_at_bootpay(buyer, fake_bootpay, register_key):
    key = register_key(buyer)
    plain = key.key

    removed = billing_key_remove(buyer=buyer, billing_key_id=key.billing_key_id, gateway=fake_bootpay)
    again = billing_key_remove(buyer=buyer, billing_key_id=key.billing_key_id, gateway=fake_bootpay)

    assert removed.status == again.status == "removed" and removed.removed_at is not None
    assert fake_bootpay.keys[plain]["destroyed"]
    assert fake_bootpay.calls.count("billing_key_destroy") == 1


def test_a_removal_bootpay_does_not_answer_leaves_the_key_as_it_was(buyer, fake_bootpay, register_key):
    key = register_key(buyer)
    fake_bootpay.fault("billing_key_destroy", "timeout")

    error = _refusal(
        lambda: billing_key_remove(buyer=buyer, billing_key_id=key.billing_key_id, gateway=fake_bootpay)
    )

    assert error.code == ErrorCode.GATEWAY_UNAVAILABLE
    key.refresh_from_db()
    assert (key.status, key.removed_at) == ("active", None)


def test_another_buyers_key_is_not_found_for_removal_nor_listed(buyer, make_user, fake_bootpay, register_key):
    other = make_user()
    theirs = register_key(other)
    mine = register_key(buyer)
    staff = make_user(is_staff=True)

    error = _refusal(
        lambda: billing_key_remove(buyer=buyer, billing_key_id=theirs.billing_key_id, gateway=fake_bootpay)
    )

    assert error.code == ErrorCode.BILLING_KEY_NOT_FOUND
    assert list(billing_key_list_visible(user=buyer)) == [mine]
    assert list(billing_key_list_visible(user=staff)) == []  # keys are their buyer's only
    with pytest.raises(DomainError):
        billing_key_get_visible(billing_key_id=theirs.billing_key_id, user=buyer)


def test_cancelling_the_last_subscription_on_a_key_destroys_it_but_not_while_another_uses_it(
    buyer, fake_bootpay, subscribe, register_key
):
    key = register_key(buyer)
    first, second = subscribe(buyer, key=key), subscribe(buyer, key=key)
    plain = key.key

    subscription_cancel(subscription_id=first.subscription_id, actor=buyer, gateway=fake_bootpay)
    key.refresh_from_db()
    assert key.status == "active" and not fake_bootpay.keys[plain]["destroyed"]

    subscription_cancel(subscription_id=second.subscription_id, actor=buyer, gateway=fake_bootpay)
    key.refresh_from_db()
    assert key.status == "removed" and fake_bootpay.keys[plain]["destroyed"]
    assert second.events.filter(kind="key_destroyed").count() == 1


def test_rotating_the_encryption_key_keeps_every_key_readable(buyer, register_key, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    key = register_key(buyer)
    plain, old_token = key.key, key.key_encrypted
    new = Fernet.generate_key().decode()
    settings.BILLING_KEY_ENCRYPTION_KEYS = [new, *settings.BILLING_KEY_ENCRYPTION_KEYS]

    out = io.StringIO()
    call_command("rotate_billing_keys", stdout=out)
    assert out.getvalue().strip() == "rotated=1"

    key.refresh_from_db()
    assert key.key_encrypted != old_token and key.key == plain
    settings.BILLING_KEY_ENCRYPTION_KEYS = [new]  # the old key dropped: still readable
    assert BillingKey.objects.get(pk=key.pk).key == plain
    out = io.StringIO()
    call_command("rotate_billing_keys", stdout=out)  # again: already under the newest key
    assert out.getvalue().strip() == "rotated=0"
