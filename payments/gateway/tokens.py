"""The legacy access-token cache: one token call per expiry window per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class _TokenCache:
    """One legacy access token per (API URL, key pair) per process, renewed shortly before expiry.

    Bootpay hands out the same token for 25 of its 30 minutes; renewing 5 minutes early stays inside that.
    """

    RENEW_BEFORE_S = 300.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str], fetch: Callable[[], tuple[str, float]]) -> str:
        with self._lock:  # held across the fetch so N concurrent callers make one token call
            cached = self._tokens.get(key)
            if cached and self.clock() < cached[1]:
                return cached[0]
            token, expire_in = fetch()
            margin = min(self.RENEW_BEFORE_S, expire_in / 2)
            self._tokens[key] = (token, self.clock() + max(expire_in - margin, 0.0))
            return token

    def forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


token_cache = _TokenCache()
