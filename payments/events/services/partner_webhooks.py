"""Partner webhook endpoints: who may manage which, creating, changing, rotating the secret, and creating
the deliveries of each dispatched event (docs/events.md "Partner webhooks").

Sending lives in `webhook_delivery`. Scope is decided once, at creation, from the creator's role: staff
endpoints get every event; a seller's endpoint the events `event_filter_for_seller` lets it read. It is
sent to only while the owner keeps that role (`OWNER_ENTITLED`).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import secrets
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from config.crypto import secret_encrypt
from config.errors import DomainError, ErrorCode
from orders.models import Seller
from payments.events.catalogue import CATALOGUE, STAFF_ONLY_TYPES
from payments.events.models import Event, WebhookEndpoint, WebhookEndpointDelivery
from payments.events.selectors import event_reader_ids

logger = logging.getLogger(__name__)

URL_MAX_LENGTH = 2000


# --- Who may manage what ------------------------------------------------------------------------------


def _seller_of(user: AbstractBaseUser) -> Seller | None:
    return Seller.objects.filter(user=user).first()


def webhook_endpoint_list_visible(*, user: AbstractBaseUser) -> QuerySet[WebhookEndpoint]:
    """Staff: every endpoint; a seller: its own. Anyone else: permission_denied."""
    if user.is_staff:
        return WebhookEndpoint.objects.all()
    seller = _seller_of(user)
    if seller is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return WebhookEndpoint.objects.filter(seller=seller)


def webhook_endpoint_get_visible(*, endpoint_id: str, user: AbstractBaseUser) -> WebhookEndpoint:
    """One endpoint the user may manage; another seller's is `not_found` (never `permission_denied`)."""
    endpoint = webhook_endpoint_list_visible(user=user).filter(endpoint_id=endpoint_id).first()
    if endpoint is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return endpoint


# --- Whose endpoint still receives ---------------------------------------------------------------------

# An endpoint is sent to only while its owner still holds the role it was created with: an active staff
# user for a staff endpoint (seller None), the seller's own active user for a seller's endpoint. Else the
# dispatch and the sender disable it (`webhook_endpoints_disable_unentitled`) and staff are told once.
OWNER_ENTITLED = Q(owner__is_active=True) & (
    Q(seller__isnull=True, owner__is_staff=True) | Q(seller__isnull=False, seller__user_id=F("owner_id"))
)


def webhook_endpoint_owner_entitled(endpoint: WebhookEndpoint) -> bool:
    """`OWNER_ENTITLED` for one endpoint (its owner and seller as loaded)."""
    owner = endpoint.owner
    if not owner.is_active:
        return False
    if endpoint.seller_id is None:
        return bool(owner.is_staff)
    return endpoint.seller.user_id == owner.pk


def webhook_endpoints_disable_unentitled(endpoint_pks: list[int]) -> None:
    """Disable each of these endpoints whose owner no longer holds its role (checked again under the
    endpoint's lock), with a reason; tells staff once per endpoint (only the update that disabled it).
    Runs after the caller's commit; its deliveries stay pending, sent if staff enable it again."""
    for pk in sorted(set(endpoint_pks)):
        with transaction.atomic():
            endpoint = (
                WebhookEndpoint.objects.select_for_update(of=("self",))
                .select_related("owner", "seller")
                .filter(pk=pk, enabled=True)
                .first()
            )
            if endpoint is None or webhook_endpoint_owner_entitled(endpoint):
                continue
            role = "active staff" if endpoint.seller_id is None else "the seller's active user"
            endpoint.enabled = False
            now = timezone.now()
            endpoint.disabled_reason = (
                f"automatically disabled at {now:%Y-%m-%d %H:%M} UTC: its owner is no longer {role}"
            )[:200]
            endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
        _alert_owner_gone(endpoint)


def _alert_owner_gone(endpoint: WebhookEndpoint) -> None:
    owner = endpoint.seller.name if endpoint.seller_id else "staff"
    host = urlsplit(endpoint.url).hostname or ""
    logger.error(
        "webhook endpoint disabled: its owner lost the role",
        extra={"endpoint_id": endpoint.endpoint_id, "owner": owner},
    )
    mail_admins(
        f"Webhook endpoint {endpoint.endpoint_id} disabled",
        f"The webhook endpoint {endpoint.endpoint_id} ({owner}, host {host}) was "
        f"disabled: {endpoint.disabled_reason}. Nothing is sent to it any more; its pending deliveries "
        "wait. Delete it, or restore its owner's role and enable it again.",
        fail_silently=True,
    )


# --- Input rules --------------------------------------------------------------------------------------


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the last 32 bits are IPv4
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use NAT64: a private network


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d,
    deprecated), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:AABB:CCDD::)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _blocked_address(address: str) -> bool:
    """True for an address partners' webhooks must never reach: not globally routable (private, loopback,
    link-local, shared, reserved…), multicast, or an IPv6 address that leads to such an IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or ip.teredo is not None:  # Teredo: the client hides behind a NAT
            return True
        ip = _embedded_ipv4(ip) or ip
    return not ip.is_global or ip.is_multicast


def webhook_url_check(url: str, *, resolve: bool = True) -> str:
    """`url` if partners may be sent to it, else validation_error on `url`.

    Anywhere: http(s) only, a host, no credentials. In production (BOOTPAY_MODE=production) also https
    only, and no host that is or resolves to a private, loopback, link-local or reserved address (SSRF);
    the sender resolves the host again before each attempt, checks every address and connects to one it
    checked (DNS may change; see services/webhook_http.py). Dev and sandbox modes take
    http://127.0.0.1 so a local receiver can be used.
    """
    if not isinstance(url, str) or len(url) > URL_MAX_LENGTH or not url.isprintable() or " " in url:
        raise DomainError.invalid("url", "a URL of at most 2000 printable characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError.invalid("url", "not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError.invalid("url", "an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise DomainError.invalid("url", "no user name or password in the URL")
    if settings.BOOTPAY_MODE != "production":
        return url
    if parts.scheme != "https":
        raise DomainError.invalid("url", "https:// only")
    if resolve and webhook_host_blocked(parts.hostname, port or 443):
        raise DomainError.invalid("url", "the host must resolve to a public address")
    return url


def webhook_host_addresses(host: str, port: int) -> list[str]:
    """`host`'s addresses, resolved once, in the resolver's order ([] when it does not resolve). The
    sender connects to one of exactly these (services/webhook_http.py), never to a second resolution."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def webhook_addresses_blocked(host: str, addresses: list[str]) -> bool:
    """True when `host` is a local name, resolved to nothing, or any of `addresses` is blocked."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    return not addresses or any(_blocked_address(address) for address in addresses)


def webhook_host_blocked(host: str, port: int) -> bool:
    """True when `host` is, or resolves to, an address partners' webhooks must never reach (or none)."""
    return webhook_addresses_blocked(host, webhook_host_addresses(host, port))


def _event_types_check(event_types: Any, *, staff: bool) -> list[str]:
    if not isinstance(event_types, list) or not all(isinstance(kind, str) for kind in event_types):
        raise DomainError.invalid("event_types", "a list of event types")
    unknown = [kind for kind in event_types if kind not in CATALOGUE]
    if unknown:
        raise DomainError.invalid("event_types", f"unknown event types: {', '.join(unknown[:5])}")
    if not staff and (hidden := [kind for kind in event_types if kind in STAFF_ONLY_TYPES]):
        raise DomainError.invalid("event_types", f"staff-only event types: {', '.join(hidden)}")
    return sorted(set(event_types))


def new_webhook_secret() -> str:
    """`whsec_` + base64 of 24 random bytes: the Standard Webhooks secret format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# --- Writes -------------------------------------------------------------------------------------------


def webhook_endpoint_create(
    *, actor: AbstractBaseUser, url: str, event_types: list[str] | None = None, enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its plain secret (to show once). Raises permission_denied (not staff and no
    seller), validation_error (url, event_types, too many endpoints)."""
    seller = None if actor.is_staff else _seller_of(actor)
    if not actor.is_staff and seller is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    url = webhook_url_check(url)
    kinds = _event_types_check(event_types or [], staff=actor.is_staff)
    owned = (
        WebhookEndpoint.objects.filter(seller=seller)
        if seller
        else WebhookEndpoint.objects.filter(seller__isnull=True)
    )
    if owned.count() >= settings.EVENTS_WEBHOOK_MAX_ENDPOINTS_PER_OWNER:
        raise DomainError.invalid(
            "non_field_errors", f"at most {settings.EVENTS_WEBHOOK_MAX_ENDPOINTS_PER_OWNER} endpoints"
        )
    secret = new_webhook_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=actor,
        seller=seller,
        url=url,
        event_types=kinds,
        enabled=enabled,
        secret_encrypted=secret_encrypt(secret),
    )
    logger.info("webhook endpoint created", extra={"endpoint_id": endpoint.endpoint_id})
    return endpoint, secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: AbstractBaseUser,
    url: str | None = None,
    event_types: list[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change url, event_types or enabled. Enabling again clears the failure streak and sends the
    deliveries that waited at once. Raises validation_error."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if url is not None:
            endpoint.url = webhook_url_check(url)
        if event_types is not None:
            endpoint.event_types = _event_types_check(event_types, staff=endpoint.seller_id is None)
        if enabled is not None and enabled != endpoint.enabled:
            if enabled and not webhook_endpoint_owner_entitled(endpoint):
                raise DomainError.invalid("enabled", "its owner no longer holds the role it was created with")
            endpoint.enabled = enabled
            if enabled:
                endpoint.disabled_reason = ""
                endpoint.failing_since = None
                endpoint.consecutive_failures = 0
                endpoint.deliveries.filter(state=WebhookEndpointDelivery.State.PENDING).update(
                    next_attempt_at=timezone.now()
                )
                transaction.on_commit(_sweep_soon, robust=True)
            else:
                endpoint.disabled_reason = f"disabled by {actor.get_username()}"[:200]
        endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint, its deliveries and their log: nothing more is sent to it."""
    endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned, to show once). The current one becomes the previous one and keeps signing
    beside the new one for EVENTS_WEBHOOK_SECRET_ROTATION_WINDOW_S: a receiver holding either verifies."""
    secret = new_webhook_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_valid_until = timezone.now() + timedelta(
            seconds=settings.EVENTS_WEBHOOK_SECRET_ROTATION_WINDOW_S
        )
        endpoint.secret_encrypted = secret_encrypt(secret)
        endpoint.save(update_fields=["previous_secret_encrypted", "previous_valid_until", "secret_encrypted"])
    logger.info("webhook endpoint secret rotated", extra={"endpoint_id": endpoint.endpoint_id})
    return endpoint, secret


def webhook_delivery_replay(*, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookEndpointDelivery:
    """One more attempt of a delivery, whatever its state, with the same `webhook-id`. A disabled
    endpoint's replay waits until it is enabled again. Raises not_found."""
    with transaction.atomic():
        delivery = (
            WebhookEndpointDelivery.objects.select_for_update()
            .filter(endpoint=endpoint, delivery_id=delivery_id)
            .first()
        )
        if delivery is None:
            raise DomainError(ErrorCode.NOT_FOUND)
        # A finished delivery gets one attempt (failing, it is `failed` again); a pending one is due now.
        delivery.replayed = delivery.state != WebhookEndpointDelivery.State.PENDING
        delivery.state = WebhookEndpointDelivery.State.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at", "replayed"])
        transaction.on_commit(lambda: _send_soon([delivery.pk]), robust=True)
    return delivery


# --- Dispatch: one delivery per event × matching endpoint ---------------------------------------------


def on_event_dispatching(sender: object = None, *, event: Event, **_: Any) -> None:
    """`event_dispatching` receiver: create the event's deliveries in the dispatch transaction; send
    them after its commit. Unique per (endpoint, event): a second dispatch creates nothing."""
    endpoints = WebhookEndpoint.objects.filter(enabled=True).filter(
        Q(seller__isnull=True) | Q(seller_id__in=event_reader_ids(event))
    )
    rows = endpoints.annotate(entitled=ExpressionWrapper(OWNER_ENTITLED, output_field=BooleanField()))
    rows = list(rows.values_list("pk", "event_types", "entitled"))
    if orphaned := [pk for pk, _, entitled in rows if not entitled]:  # their owner lost the role
        transaction.on_commit(lambda: webhook_endpoints_disable_unentitled(orphaned), robust=True)
    now = timezone.now()
    deliveries = [
        WebhookEndpointDelivery(
            endpoint_id=endpoint_pk, event=event, aggregate=event.aggregate, next_attempt_at=now
        )
        for endpoint_pk, kinds, entitled in rows
        if entitled and (not kinds or event.type in kinds)
    ]
    if not deliveries:
        return
    WebhookEndpointDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    pks = list(
        WebhookEndpointDelivery.objects.filter(
            event=event, state=WebhookEndpointDelivery.State.PENDING
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _send_soon(pks), robust=True)


def _send_soon(pks: list[int]) -> None:
    from payments.events.tasks import webhook_delivery_send_task

    for pk in pks:
        webhook_delivery_send_task.delay(pk)


def _sweep_soon() -> None:
    from payments.events.tasks import webhook_deliveries_sweep_task

    webhook_deliveries_sweep_task.delay()
