"""Where partner webhooks may be sent: the URL rules, and the production SSRF guard at send time too."""

import socket

import pytest

from config.errors import DomainError
from payments.events.models import WebhookEndpointDelivery
from payments.events.services.partner_webhooks import webhook_url_check

pytestmark = pytest.mark.django_db


def _resolving_to(monkeypatch, address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, **_: [(family, socket.SOCK_STREAM, 6, "", (address, port))]
    )


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "127.0.0.1", "169.254.169.254", "fd00::1"])
def test_production_refuses_a_name_resolving_to_a_private_address(settings, monkeypatch, address):
    settings.BOOTPAY_MODE = "production"
    _resolving_to(monkeypatch, address)

    with pytest.raises(DomainError) as refused:
        webhook_url_check("https://hooks.partner.example/in")

    assert refused.value.code == "validation_error" and "url" in refused.value.details["fields"]


def test_production_takes_an_https_name_resolving_to_a_public_address(settings, monkeypatch):
    settings.BOOTPAY_MODE = "production"
    _resolving_to(monkeypatch, "93.184.216.34")

    assert webhook_url_check("https://hooks.partner.example/in") == "https://hooks.partner.example/in"


def test_sandbox_takes_a_local_http_receiver(settings):
    settings.BOOTPAY_MODE = "sandbox"

    assert webhook_url_check("http://127.0.0.1:9000/hooks") == "http://127.0.0.1:9000/hooks"


def test_in_production_an_endpoint_now_resolving_privately_is_not_called(
    settings, staff, endpoint_for, emit, make_order
):
    # Given an endpoint registered while its name was public (here: a local receiver, in sandbox mode)
    endpoint, partner = endpoint_for(staff)

    # When production sends to it and it is a private address
    settings.BOOTPAY_MODE = "production"
    emit(make_order())

    # Then no request left; the attempt failed with a reason
    assert partner.requests == []
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.last_status_code) == ("pending", None)
    assert delivery.last_error.startswith("refused")


def test_rotating_the_encryption_key_keeps_the_secrets_verifying(
    settings, staff, endpoint_for, emit, make_order
):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from payments.events.models import WebhookEndpoint

    # Given an endpoint, then a new encryption key put first
    endpoint, partner = endpoint_for(staff)
    settings.BILLING_KEY_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.BILLING_KEY_ENCRYPTION_KEYS,
    ]
    before = WebhookEndpoint.objects.get(pk=endpoint.pk).secret_encrypted

    # When the secrets are re-encrypted and the old key dropped
    call_command("rotate_webhook_endpoint_keys")
    settings.BILLING_KEY_ENCRYPTION_KEYS = settings.BILLING_KEY_ENCRYPTION_KEYS[:1]
    emit(make_order())

    # Then deliveries are still signed with the same secret
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret_encrypted != before
    assert len(partner.accepted) == 1 and partner.rejected == []
