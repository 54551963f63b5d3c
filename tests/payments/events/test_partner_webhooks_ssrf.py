"""The SSRF guard at send time: the host is resolved once and the request goes to an address that was
checked (DNS rebinding), with the Host header, TLS SNI and the certificate check still on the name;
IPv6 addresses carrying an IPv4 one are judged by it; production sends only over https."""

from __future__ import annotations

import datetime
import socket
import ssl

import pytest
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from config.errors import DomainError
from payments.events.models import WebhookEndpoint, WebhookEndpointDelivery
from payments.events.services import partner_webhooks, webhook_http
from payments.events.services.partner_webhooks import _blocked_address, webhook_url_check

pytestmark = pytest.mark.django_db

NAME = "hooks.partner.test"


# --- Addresses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a01:203",  # NAT64 of 10.1.2.3
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b:1::a01:203",  # local-use NAT64 prefix
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:a::1",  # 6to4 of 192.168.0.10
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:a9fe:a9fe",
        "::7f00:1",  # IPv4-compatible (deprecated) of 127.0.0.1
        "::a01:203",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fe80::1%eth0",
        "not an address",
    ],
)
def test_ipv6_addresses_leading_to_private_ipv4_ones_are_blocked(address):
    assert _blocked_address(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1", "::ffff:93.184.216.34", "2606:4700::1"],
)
def test_public_addresses_pass(address):
    assert not _blocked_address(address)


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:a00:1::1", "::ffff:10.0.0.1", "::7f00:1"])
def test_production_refuses_a_name_resolving_to_a_wrapped_private_address(settings, monkeypatch, address):
    settings.BOOTPAY_MODE = "production"
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **_: [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))],
    )

    with pytest.raises(DomainError):
        webhook_url_check("https://hooks.partner.example/in")


# --- A real https receiver ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A CA, and server contexts with certificates it signed: `tls.server(name)`; `tls.ca_file`."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test webhook CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    class Tls:
        def __init__(self):
            self.ca_file = str(ca_file)

        def server(self, name: str) -> ssl.SSLContext:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(ca_name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                .sign(ca_key, hashes.SHA256())
            )
            cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
            cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_file.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_file, key_file)
            return context

    return Tls()


@pytest.fixture
def dns(monkeypatch):
    """`dns(name, answers)`: the resolver answers `name` with the next of `answers` (the last one for
    ever after); every other name or address as usual. `dns.asked` counts the questions about `name`."""
    real = socket.getaddrinfo

    class Dns:
        asked = 0

        def __call__(self, name, answers):
            def fake(host, port, *args, **kwargs):
                if host != name:
                    return real(host, port, *args, **kwargs)
                answer = answers[min(self.asked, len(answers) - 1)]
                self.asked += 1
                return [info for address in answer for info in real(address, port, *args, **kwargs)]

            monkeypatch.setattr(socket, "getaddrinfo", fake)

    return Dns()


@pytest.fixture
def trusting(monkeypatch, tls):
    """The sender trusts the test CA (in place of the system's)."""
    monkeypatch.setattr(webhook_http._session(), "verify", tls.ca_file)


def _point(endpoint, partner, host: str, scheme: str = "https") -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"{scheme}://{host}:{partner.port}/hooks")


def test_the_request_goes_to_the_address_checked_with_the_name_for_host_sni_and_certificate(
    settings, monkeypatch, make_seller, endpoint_for, tls, trusting, dns, emit, make_order
):
    # Given a seller's https endpoint whose name first resolves to its (checked) address — a local
    # receiver here, taken as public — then to another one, private (TTL 0: a rebinding)
    seller = make_seller()
    endpoint, partner = endpoint_for(seller.user, ssl_context=tls.server(NAME))
    _point(endpoint, partner, NAME)
    settings.BOOTPAY_MODE = "production"
    monkeypatch.setattr(partner_webhooks, "_blocked_address", lambda address: address != "127.0.0.1")
    dns(NAME, [["127.0.0.1"], ["127.0.0.2"]])

    # When an event of the seller is sent
    order = make_order()
    order.items.update(seller=seller)
    emit(order)

    # Then the name was resolved once, the request reached the checked address over verified TLS, and
    # the receiver saw the name in the Host header
    assert dns.asked == 1
    assert len(partner.accepted) == 1
    assert partner.accepted[0].headers["host"] == f"{NAME}:{partner.port}"
    assert WebhookEndpointDelivery.objects.get(endpoint=endpoint).state == "succeeded"


def test_a_name_answering_public_to_the_check_and_loopback_after_never_reaches_loopback(
    settings, monkeypatch, staff, endpoint_for, dns, emit, make_order
):
    # Given an endpoint on a loopback receiver (an internal service) and a name rebinding to it
    endpoint, partner = endpoint_for(staff)
    _point(endpoint, partner, "rebind.attacker.test")
    settings.BOOTPAY_MODE = "production"
    dns("rebind.attacker.test", [["93.184.216.34"], ["127.0.0.1"]])
    connected = []

    def connect(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("not in tests")  # the public address: never dialled for real

    monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)

    emit(make_order())

    # Then only the checked public address was dialled; the internal service got nothing
    assert connected == [("93.184.216.34", partner.port)]
    assert dns.asked == 1 and partner.requests == []
    assert WebhookEndpointDelivery.objects.get(endpoint=endpoint).last_error == "connection error"


def test_a_name_with_any_private_address_is_refused_without_connecting(
    settings, staff, endpoint_for, dns, emit, make_order
):
    endpoint, partner = endpoint_for(staff)
    _point(endpoint, partner, "mixed.attacker.test")
    settings.BOOTPAY_MODE = "production"
    dns("mixed.attacker.test", [["93.184.216.34", "127.0.0.1"]])

    emit(make_order())

    assert partner.requests == []
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert delivery.last_error.startswith("refused") and delivery.last_status_code is None


def test_a_certificate_for_another_name_is_refused(staff, endpoint_for, tls, trusting, dns, emit, make_order):
    # Given an https receiver whose certificate names another host (sandbox mode: local addresses pass)
    endpoint, partner = endpoint_for(staff, ssl_context=tls.server("other.partner.test"))
    _point(endpoint, partner, NAME)
    dns(NAME, [["127.0.0.1"]])

    emit(make_order())

    # Then nothing was delivered: the certificate is checked against the URL's name, not the address
    assert partner.requests == []
    assert WebhookEndpointDelivery.objects.get(endpoint=endpoint).last_error == "connection error"


def test_production_sends_only_over_https(settings, staff, endpoint_for, dns, emit, make_order):
    # Given an http:// endpoint (stored before production, say) whose name resolves publicly
    endpoint, partner = endpoint_for(staff)
    _point(endpoint, partner, "plain.partner.test", scheme="http")
    settings.BOOTPAY_MODE = "production"
    dns("plain.partner.test", [["93.184.216.34"]])

    emit(make_order())

    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert partner.requests == [] and delivery.last_error.startswith("refused: only https")
    assert dns.asked == 0


def test_an_address_that_does_not_connect_falls_back_to_the_next_checked_one(
    staff, endpoint_for, dns, emit, make_order
):
    # Given a name with two addresses, the first of which nothing listens on
    endpoint, partner = endpoint_for(staff)
    _point(endpoint, partner, "two.partner.test", scheme="http")
    dns("two.partner.test", [["127.0.0.3", "127.0.0.1"]])

    emit(make_order())

    assert len(partner.accepted) == 1 and dns.asked == 1
    assert partner.accepted[0].headers["host"] == f"two.partner.test:{partner.port}"
