"""Who may scrape /metrics (docs/operations.md, "Metrics"): a bearer token (METRICS_TOKEN) and/or a client
address within METRICS_ALLOWED_IPS; with neither configured, loopback only. Both configured: both must hold.

The client address is REMOTE_ADDR unless METRICS_NUM_PROXIES says how many proxies of ours append to
X-Forwarded-For: then the address that many entries from the right, the one our outermost proxy saw (what a
client writes into the header itself sits further left and is never read).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("config.observability")

LOOPBACK = ("127.0.0.0/8", "::1/128")


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for cidr in (cidr.strip() for cidr in cidrs if cidr.strip()):
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:  # a typo admits nobody through it, and says so (once per setting: cached)
            logger.error("metrics: METRICS_ALLOWED_IPS entry %r is no address or CIDR; ignored", cidr)
    return tuple(networks)


def metrics_client_ip(request: HttpRequest) -> str | None:
    proxies = settings.METRICS_NUM_PROXIES
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [hop.strip() for hop in header.split(",") if hop.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
        return None  # fewer hops than our own proxies add: the request did not come through them
    return request.META.get("REMOTE_ADDR")


def _address_allowed(address: str | None, cidrs: tuple[str, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:127.0.0.1 from a dual-stack socket
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(cidrs))


def _token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def metrics_scrape_allowed(request: HttpRequest) -> bool:
    token: str = settings.METRICS_TOKEN
    cidrs = tuple(settings.METRICS_ALLOWED_IPS)
    if not token and not cidrs:
        # A proxy on this host relays every client from loopback: a request it forwarded is not local.
        forwarded = any(request.META.get(header) for header in _FORWARDING_HEADERS)
        return not forwarded and _address_allowed(metrics_client_ip(request), LOOPBACK)
    if token and not _token_matches(request, token):
        return False
    return not cidrs or _address_allowed(metrics_client_ip(request), cidrs)
