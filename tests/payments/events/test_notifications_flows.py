"""Notices of real flows at the Bootpay emulator, mailed through a real SMTP server: a subscription
(billing key issued at the emulator) and a virtual account; every mail is scanned for billing keys,
their ciphertext and fingerprint, and for another person's email or phone."""

import pytest

from payments.billing.services import subscription_create
from payments.events.models import Notification, NotificationPreference
from payments.services import payment_reconcile, payment_verify
from tests.billing_support import emulator_billing_key
from tests.payments.events.smtp_server import bodies

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def buyer_with_contacts(buyer):
    buyer.email = "buyer@example.test"
    buyer.save()
    NotificationPreference.objects.create(user=buyer, phone="01055501234")
    return buyer


def _seller_with_email(make_seller, name):
    seller = make_seller(name)
    seller.user.email = f"{name}@example.test"
    seller.user.save()
    return seller


def test_a_subscription_mails_buyer_and_seller_without_any_secret_or_anothers_contact(
    smtp_server, buyer_with_contacts, bootpay, make_seller, make_product
):
    buyer = buyer_with_contacts
    seller = _seller_with_email(make_seller, "subshop")
    product = make_product(seller=seller, price=9_900, stock=5, subscription_interval="month")
    key, plain_key = emulator_billing_key(buyer, bootpay)

    subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)

    inbox = smtp_server.inbox
    to_buyer = sorted(message["Subject"].strip() for message in inbox.to("buyer@example.test"))
    to_seller = sorted(message["Subject"].strip() for message in inbox.to("subshop@example.test"))
    # The charge's order.paid is the seller's; the buyer's receipt of it is subscription.charged.
    assert to_buyer == ["[상점] 정기결제 완료 안내", "[상점] 정기결제가 시작되었습니다"]
    assert sorted(subject.split(" (")[0] for subject in to_seller) == [
        "[상점] 새 주문이 결제되었습니다",
        "[상점] 정기결제가 시작되었습니다",
    ]
    key.refresh_from_db()
    secrets = {plain_key, key.key_encrypted, key.key_fingerprint, key.billing_key_id} - {""}
    for message in inbox.messages:
        whole = message.as_string() + "".join(bodies(message))
        assert not [secret for secret in secrets if secret in whole]
        assert "01055501234" not in whole and "5501234" not in whole
        if message["X-Envelope-To"] != "buyer@example.test":
            assert "buyer@example.test" not in whole
    assert "9,900원" in bodies(inbox.to("buyer@example.test")[0])[0]
    assert Notification.objects.filter(state="sent").count() == len(inbox.messages) == 4


def test_a_virtual_account_mail_tells_the_buyer_where_and_until_when_to_deposit(
    smtp_server, buyer_with_contacts, bootpay, make_order, pay_at_pg
):
    buyer = buyer_with_contacts
    order = make_order(prices=(12_000,))
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")

    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    (issued,) = smtp_server.inbox.to("buyer@example.test")
    assert issued["Subject"].strip() == f"[상점] 가상계좌 입금 안내 ({order.order_id})"
    account = payment.virtual_account
    text, html = bodies(issued)
    for part in (text, html):
        assert account.bank_name in part and account.account_number in part
        assert "12,000원" in part and "(KST)" in part

    bootpay.state.deposit(receipt_id)
    payment_reconcile(older_than_minutes=0)

    subjects = [message["Subject"].strip() for message in smtp_server.inbox.to("buyer@example.test")]
    assert sorted(subjects[1:]) == [
        f"[상점] 입금이 확인되었습니다 ({order.order_id})",
        f"[상점] 주문이 결제되었습니다 ({order.order_id})",
    ]
