"""What leaves in webhook bodies, from real flows through the Bootpay emulator: never a billing key (nor
its ciphertext or fingerprint), a cash receipt identifier, or the buyer's email, name or phone."""

import pytest

from payments import gateway as bootpay_gateway
from payments.billing.models import BillingKey
from tests.billing_support import emulator_billing_key
from tests.payments.cash_receipts.cash_receipt_fakes import CashReceiptBootpay
from tests.payments.cash_receipts.conftest import PHONE, pay_cash

pytestmark = pytest.mark.django_db


@pytest.fixture
def cash_bootpay(bootpay, make_gateway):
    fake = CashReceiptBootpay(make_gateway(timeout_s=1.0))
    bootpay_gateway.set_gateway(fake)
    yield fake
    bootpay_gateway.set_gateway(None)


def test_no_webhook_body_carries_a_key_an_identifier_or_personal_data(
    bootpay, cash_bootpay, buyer, staff, make_seller, make_product, endpoint_for, on_commit
):
    from orders.services import OrderLine, order_create
    from payments.billing.services import subscription_create
    from payments.services import payment_cancel

    # Given a buyer with personal data, a seller, and endpoints of staff and of the seller
    buyer.username, buyer.email = "minji-kim-7731", "kim.buyer@example.com"
    buyer.first_name, buyer.last_name = "Minji", "Kim"
    buyer.save()
    seller = make_seller("leakcheck")
    _, staff_partner = endpoint_for(staff)
    _, seller_partner = endpoint_for(seller.user)

    # When a cash order with a receipt for a phone number is paid by bank transfer and refunded,
    order = order_create(
        buyer=buyer,
        lines=[OrderLine(make_product(seller=seller, price=12_000).pk, 1)],
        options={"cash_receipt": {"type": "income_deduction", "identifier": PHONE}},
    )
    payment = on_commit(lambda: pay_cash(bootpay, cash_bootpay, order, buyer=buyer, method="bank"))
    on_commit(lambda: payment_cancel(payment_pk=payment.pk, actor=staff, reason="변심", gateway=cash_bootpay))
    # and the buyer subscribes to the seller's product with a card registered for automatic payments
    bootpay_gateway.set_gateway(None)
    bootpay_gateway.set_gateway(cash_bootpay.inner)
    key, plain_key = emulator_billing_key(buyer, bootpay)
    product = make_product(seller=seller, price=9_900, subscription_interval="month")
    on_commit(
        lambda: subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
    )

    # Then both endpoints heard of it all, and no body holds a secret or a personal identifier
    staff_types = {request.payload["type"] for request in staff_partner.accepted}
    assert {"order.paid", "refund.succeeded", "subscription.started", "cash_receipt.issued"} <= staff_types
    assert {request.payload["type"] for request in seller_partner.accepted} >= {
        "order.paid",
        "subscription.started",
    }
    stored = BillingKey.objects.get(pk=key.pk)
    forbidden = {
        plain_key,
        stored.key_encrypted,
        stored.key_fingerprint,
        key.billing_key_id,
        PHONE,
        PHONE[-4:] + '"',
        "010-1234-5678",
        buyer.email,
        "Minji",
        buyer.username,
        "identifier",
    }
    bodies = [request.body.decode() for request in staff_partner.requests + seller_partner.requests]
    assert len(bodies) >= 8
    for body in bodies:
        leaked = [value for value in forbidden if value and value in body]
        assert leaked == [], f"a webhook body carries {leaked}"
