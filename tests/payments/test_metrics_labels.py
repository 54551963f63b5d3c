"""No secret and no identifier ever becomes a metric label: after real flows (verify, refunds with an
Idempotency-Key, a webhook, a subscription charged with a billing key, a failed Bootpay call), the scrape
holds none of their keys, ids or amounts' owners, and every label value is a short fixed word."""

import json
import re

import pytest

from config.errors import DomainError
from payments.billing.models import BillingKey
from payments.models import Cancellation
from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY
from payments.services import payment_cancel, payment_verify
from payments.webhooks.services import webhook_process, webhook_receive
from tests.metrics_support import parse

pytestmark = pytest.mark.django_db

# Label values we write are words of our own code or Bootpay's codes; django-prometheus adds view names,
# methods, statuses, aliases and vendors (and its fixed `<unnamed view>` for a route without a name, as some
# tests' URL confs have). Nothing longer, nothing else with spaces or @.
LABEL_VALUE = re.compile(r"[A-Za-z0-9_.:/+\-]{0,80}|<unnamed view>")
# django-prometheus names a response's templates as the list Django tried (the admin's change forms).
TEMPLATE_NAMES = re.compile(r"\[('[A-Za-z0-9_./\-]+'(, )?)+\]")


@pytest.fixture(autouse=True)
def _loopback_scrapes(settings):
    settings.METRICS_ENABLED, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = True, "", []


def test_after_money_flows_no_secret_or_identifier_is_in_any_label(
    client, buyer, make_user, make_order, pay_at_pg, bootpay, make_gateway, subscribe, fake_bootpay
):
    from payments import gateway

    staff = make_user("labels-staff", is_staff=True)
    secrets = [SANDBOX_PRIVATE_KEY, SANDBOX_APPLICATION_ID, buyer.username, buyer.email or "buyer@"]
    # a subscription charged with a billing key (the in-memory Bootpay of the billing tests)
    subscription = subscribe(buyer)
    secrets += [subscription.subscription_id, BillingKey.objects.get(pk=subscription.billing_key_id).key]
    # the emulator through the real SDK from here: a verified card payment, a partial refund with a key,
    # a refund Bootpay did not answer, a webhook delivery
    gateway.set_gateway(make_gateway(timeout_s=1.0))
    order = make_order(prices=(30_000,))
    receipt_id = pay_at_pg(order)
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    payment_cancel(
        payment_pk=payment.pk, actor=staff, reason="part", amount=1_000, idempotency_key="idem-label-7"
    )
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="lost", amount=2_000)
    secrets += [order.order_id, receipt_id, payment.public_id, "idem-label-7"]
    secrets += list(Cancellation.objects.filter(payment=payment).values_list("cancel_id", flat=True))
    body = json.dumps(bootpay.state.get_receipt(receipt_id)).encode()
    delivery = webhook_receive(
        raw_body=body, content_type="application/json", headers={}, remote_ip="203.0.113.5"
    )
    webhook_process(delivery_pk=delivery.pk)
    secrets.append("203.0.113.5")

    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    # the flows above were counted (this scrape is of them)
    assert 'payments_operations_total{operation="cancel",outcome="gateway_unavailable"}' in text
    assert 'bootpay_webhook_deliveries_processed_total{state="processed"}' in text
    for secret in secrets:
        assert secret and secret not in text, secret
    for family in parse(text).values():
        for found in family:
            for name, value in found.labels.items():
                allowed = TEMPLATE_NAMES if name == "templatename" and value.startswith("[") else LABEL_VALUE
                assert allowed.fullmatch(value), (found.name, name, value)
