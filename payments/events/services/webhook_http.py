"""The HTTP side of partner webhooks: POST to the exact address that was checked (docs/events.md "SSRF").

The host is resolved once; the caller checks those addresses (`webhook_addresses_blocked` in production)
and the request connects to one of them, never to a second resolution of the name (DNS rebinding: a
name answering a public address to the check and 127.0.0.1 to the connect). The `Host` header, TLS SNI
and certificate verification still use the URL's host name: `PinnedAddressAdapter` gives urllib3 the
address as the pool's host and the name as `server_hostname` (what it sends in SNI and verifies the
certificate against). No proxy, no redirect, no environment settings.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import NewConnectionError

# Addresses tried, in the resolver's order, when connecting fails (nothing was sent): a partner's host
# with an IPv6 address this worker cannot reach still gets its webhooks over IPv4.
MAX_ADDRESSES_TRIED = 3

_local = threading.local()


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to `request.pinned_address` (set by `webhook_http_post`) instead of resolving the URL's
    host; refuses a request without one, and any proxy."""

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> HTTPConnectionPool:
        address = getattr(request, "pinned_address", None)
        if not address:
            raise requests.exceptions.InvalidURL("no checked address to connect to", request=request)
        if proxies and requests.utils.select_proxy(request.url, proxies):
            raise requests.exceptions.InvalidURL("webhooks are never sent through a proxy", request=request)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            # SNI and the certificate check (the SSL context's check_hostname) use the name, not the IP.
            pool_kwargs = {**pool_kwargs, "server_hostname": host_params["host"]}
        # The pool is keyed by address and server_hostname: a connection is reused only for both.
        return self.poolmanager.connection_from_host(
            **{**host_params, "host": address}, pool_kwargs=pool_kwargs
        )


def _session() -> requests.Session:
    # One connection pool per thread (a Session is not meant to be shared between threads).
    if getattr(_local, "session", None) is None:
        session = requests.Session()
        session.trust_env = False  # no proxy or netrc from the environment: the URL is the partner's
        adapter = PinnedAddressAdapter()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _local.session = session
    return _local.session


def _nothing_sent(exc: requests.ConnectionError) -> bool:
    """The connection was never made (refused, unreachable, connect timeout): another address may do."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, NewConnectionError)


def webhook_http_post(
    url: str, *, addresses: Sequence[str], body: bytes, headers: dict[str, str], timeout: float
) -> requests.Response:
    """POST `body` to `url` through one of `addresses` (already checked; the first that connects). The
    response is streamed (the caller reads the status and closes it). Raises what requests raises."""
    if not addresses:
        raise requests.exceptions.InvalidURL("no checked address to connect to")
    session = _session()
    prepared = session.prepare_request(requests.Request("POST", url, data=body, headers=headers))
    # The Host header names the URL's host (IDNA-encoded, with its port if any), whatever address is
    # connected to.
    prepared.headers["Host"] = urlsplit(prepared.url).netloc.rpartition("@")[2]
    tried = list(addresses[:MAX_ADDRESSES_TRIED])
    for index, address in enumerate(tried):
        prepared.pinned_address = address  # type: ignore[attr-defined]
        try:
            return session.send(prepared, timeout=timeout, allow_redirects=False, stream=True)
        except requests.ConnectionError as exc:
            if index == len(tried) - 1 or not _nothing_sent(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
