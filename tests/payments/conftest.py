"""Fixtures of the billing (automatic payment) service tests: an in-memory Bootpay, keys, subscriptions."""

import pytest

from payments import gateway as bootpay
from tests.payments.billing.billing_fakes import FakeBootpay


@pytest.fixture
def fake_bootpay():
    """The in-memory Bootpay, also the process-wide gateway (the webhook path looks it up itself)."""
    fake = FakeBootpay()
    bootpay.set_gateway(fake)
    yield fake
    bootpay.set_gateway(None)


@pytest.fixture
def subscribable(make_product):
    def make(*, price=9_900, stock=5, interval="month", **extra):
        return make_product(price=price, stock=stock, subscription_interval=interval, **extra)

    return make


@pytest.fixture
def register_key(fake_bootpay):
    """What the checkout does: a key request, the widget's issuance at Bootpay, then registration."""
    from payments.billing.services import billing_key_register, billing_key_request_start

    def register(user, **options):
        request = billing_key_request_start(buyer=user)
        receipt_id = fake_bootpay.issue_key(request.subscription_id, **options)
        return billing_key_register(buyer=user, receipt_id=receipt_id, gateway=fake_bootpay)

    return register


@pytest.fixture
def subscribe(fake_bootpay, register_key, subscribable):
    """A buyer subscribed to a fresh monthly product, first period paid."""
    from payments.billing.services import subscription_create

    def make(user, *, key=None, product=None, **product_options):
        key = key or register_key(user)
        product = product or subscribable(**product_options)
        return subscription_create(
            buyer=user, product_id=product.pk, billing_key_id=key.billing_key_id, gateway=fake_bootpay
        )

    return make
