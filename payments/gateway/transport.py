"""The one patch of the SDK's internals: a bounded, pooled transport in place of its `requests` global.

The SDK calls `requests.get/post/...` with no timeout and never looks at the HTTP status.
`install_transport()` gives it `BoundedTransport`, which, inside a gateway call (`bounded(timeout_s)`),
limits the call's time, pools connections per thread and turns a 5xx into `ServerFault`; outside one it
behaves exactly like `requests`. Billing keys in urllib3's request lines are masked.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from bootpay_backend import rest_client as _sdk_module

from config.logs import KEY_IN_PATH, REDACTED

_call_timeout: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "bootpay_call_timeout", default=None
)


class ServerFault(Exception):
    def __init__(self, status: int, code: str):
        self.status = status
        self.code = code


class BoundedTransport:
    """Stands in for the `requests` module inside the SDK, which calls `requests.get/post/...` with no
    timeout and ignores the status code. Outside a gateway call it behaves exactly like `requests`."""

    def __init__(self) -> None:
        self._local = threading.local()
        # What a session trusting the environment would re-read on every call (requests decodes the
        # proxy variables, and more, each time: hundreds of environ reads per webhook), read once here:
        # the proxy of each host, and the CA bundle (REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, as requests).
        self._proxies_by_host: dict[tuple[str, str], dict[str, str]] = {}
        self._verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )

    def _session(self) -> requests.Session:
        # Sessions pool connections but are not documented thread-safe: one per thread.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # the environment's settings come from _proxies / _verify instead
        return session

    def _proxies(self, url: str) -> dict[str, str]:
        parts = urllib.parse.urlsplit(url)
        host = (parts.scheme, parts.netloc)
        proxies = self._proxies_by_host.get(host)
        if proxies is None:  # HTTP(S)_PROXY / ALL_PROXY, NO_PROXY honoured as requests would
            proxies = self._proxies_by_host[host] = requests.utils.get_environ_proxies(url)
        return proxies

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        timeout = _call_timeout.get()
        if timeout is None:
            return requests.request(method, url, **kwargs)
        kwargs.setdefault("proxies", self._proxies(url))
        kwargs.setdefault("verify", self._verify)
        # (connect, read): a hung server trips the read timeout after `timeout` seconds of silence.
        response = self._session().request(method, url, timeout=(timeout, timeout), **kwargs)
        if response.status_code >= 500:
            raise ServerFault(response.status_code, _error_code_of(response))
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)


def _error_code_of(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error_code") or "") if isinstance(body, dict) else ""


def install_transport() -> BoundedTransport:
    """Give the SDK our transport in place of the `requests` module it calls (its module global).

    The SDK offers no hook for a timeout or a session, so this is the one patch of its internals.
    Applied by `BootpayGateway.__init__` (idempotent), so importing this module changes nothing;
    outside a gateway call the transport behaves exactly like `requests`.
    """
    transport = _sdk_module.requests
    if not isinstance(transport, BoundedTransport):
        transport = _sdk_module.requests = BoundedTransport()
    _mask_key_paths_in(logging.getLogger("urllib3.connectionpool"))
    return transport


# urllib3 logs every request line at DEBUG, billing paths with their key (config/logs.py KEY_IN_PATH):
# masked there, whatever level and formatter logging is configured with.
def _mask_key_path(value: Any) -> Any:
    return KEY_IN_PATH.sub(rf"\1{REDACTED}", value) if isinstance(value, str) else value


class _KeyPathFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_key_path(arg) for arg in record.args)
        record.msg = _mask_key_path(record.msg)
        return True


def _mask_key_paths_in(target: logging.Logger) -> None:
    if not any(isinstance(existing, _KeyPathFilter) for existing in target.filters):
        target.addFilter(_KeyPathFilter())


@contextmanager
def bounded(timeout_s: float) -> Iterator[None]:
    token = _call_timeout.set(timeout_s)
    try:
        yield
    finally:
        _call_timeout.reset(token)
