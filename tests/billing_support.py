"""Helpers of the billing tests that run against the Bootpay emulator (REST, GraphQL, services): cards
issued at the emulator, a registered key, a payment webhook delivered and processed, and a watch that
no answer ever carries a billing key, its ciphertext or its fingerprint."""

from __future__ import annotations

import requests

from payments.billing.models import BillingKey


def issue_card(sandbox, subscription_id: str, **options) -> dict:
    """What the buyer's requestSubscription does, through the emulator's control API over HTTP
    (POST /_sandbox/billing-keys): an issuance receipt and, the control API being a test tool, the key."""
    answer = requests.post(
        f"{sandbox.url}/_sandbox/billing-keys",
        json={"subscription_id": subscription_id, **options},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    issued = answer.json()
    assert issued["receipt_id"] and issued["billing_key"]
    return issued


class SecretWatch:
    """Every answer a test got, checked at the end against every billing key the emulator issued and
    the ciphertext and fingerprint of every key we stored."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.bodies: list[tuple[str, str]] = []

    def record(self, label: str, body: bytes | str) -> None:
        self.bodies.append((label, body.decode() if isinstance(body, bytes) else body))

    def secrets(self) -> set[str]:
        plain = {key["billing_key"] for key in self.sandbox.state.list_billing_keys()}
        stored = BillingKey.objects.values_list("key_encrypted", "key_fingerprint")
        return plain | {value for row in stored for value in row}

    def assert_clean(self) -> int:
        """How many answers were checked; fails naming the first one holding a secret."""
        secrets = self.secrets()
        for label, body in self.bodies:
            leaked = [secret for secret in secrets if secret and secret in body]
            assert not leaked, f"{label} answered a billing key secret"
        return len(self.bodies)


def emulator_billing_key(buyer, bootpay):
    """A card issued at the emulator (the `bootpay` fixture) and registered: (BillingKey, the key)."""
    from payments.billing.services import billing_key_register, billing_key_request_start

    request = billing_key_request_start(buyer=buyer)
    issued = bootpay.state.issue_billing_key(request.subscription_id)
    return billing_key_register(buyer=buyer, receipt_id=issued["receipt_id"]), issued["billing_key"]


def emulator_webhook_paid(receipt_id: str):
    """Bootpay's PAYMENT_COMPLETED notice of the receipt, stored and processed in this thread."""
    from payments.webhooks import webhook_process, webhook_receive

    body = f'{{"receipt_id": "{receipt_id}", "webhook_type": "PAYMENT_COMPLETED", "status": 1}}'.encode()
    delivery = webhook_receive(raw_body=body, content_type="application/json", headers={}, remote_ip=None)
    return webhook_process(delivery_pk=delivery.pk)


def emulator_due_subscriptions(bootpay, buyer, seller, count: int, *, tag: str = "renewal") -> list:
    """`count` monthly subscriptions of `buyer` on one card issued at the emulator `bootpay` (a product of
    `seller` each), first periods paid through the process-wide gateway, whose renewal is due now."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import Product
    from payments.billing.models import Subscription
    from payments.billing.services import subscription_create

    key, _ = emulator_billing_key(buyer, bootpay)
    subscriptions = []
    for n in range(count):
        product = Product.objects.create(
            seller=seller, name=f"{tag} {n}", price=9_900, stock=100, subscription_interval="month"
        )
        subscriptions.append(
            subscription_create(buyer=buyer, product_id=product.pk, billing_key_id=key.billing_key_id)
        )
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(
        next_charge_at=timezone.now() - timedelta(minutes=1)
    )
    return subscriptions
