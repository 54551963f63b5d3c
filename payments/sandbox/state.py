"""In-memory state of the local Bootpay emulator.

Pure Python (no Django): the HTTP layer in ``server.py`` and tests drive it. Every public method takes
the one state lock, so concurrent requests see a consistent world (e.g. two cancels can never both
spend the same balance). Methods return deep copies; callers can never mutate stored receipts.

Business errors are raised as :class:`SandboxError`, which carries the Bootpay-style ``error_code``
and the HTTP status the server answers with.

The state is one object, written in several modules: receipts.py (receipts, cancels, escrow), billing.py
(billing keys, charges, reservations), cash_receipts.py (cash receipts), identity.py (identity
verifications), notifications.py (the automatic webhooks, their hold switch and log) and this one (clock,
settings, tokens, faults, the call log); common.py holds the constants, the error, credentials and faults.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from datetime import datetime
from typing import Any

from payments.sandbox.billing import BillingState
from payments.sandbox.cash_receipts import CashReceiptsState
from payments.sandbox.common import (
    DEFAULT_HANG_S,
    DUPLICATE_CANCEL_POLICIES,
    FAULT_MODES,
    KST,
    PARTIAL_CANCEL_FAMILIES,
    REQUEST_LOG_SIZE,
    SANDBOX_APPLICATION_ID,
    SANDBOX_CLIENT_KEY,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_SECRET_KEY,
    TOKEN_REUSE_S,
    TOKEN_TTL_S,
    Fault,
    IssuedToken,
    SandboxCredentials,
    SandboxError,
    bad_request,
)
from payments.sandbox.identity import IdentityState
from payments.sandbox.notifications import NotificationsState
from payments.sandbox.receipts import ReceiptsState

__all__ = [
    "SANDBOX_APPLICATION_ID",
    "SANDBOX_CLIENT_KEY",
    "SANDBOX_PRIVATE_KEY",
    "SANDBOX_SECRET_KEY",
    "SandboxCredentials",
    "SandboxError",
    "Fault",
    "SandboxState",
]


class SandboxState(CashReceiptsState, ReceiptsState, BillingState, IdentityState, NotificationsState):
    """All emulator state, guarded by one lock. ``webhook_url``: where changes are notified from the
    start and again after every reset (``bootpay_sandbox --webhook-url``); None: nowhere."""

    def __init__(self, webhook_url: str | None = None) -> None:
        self.lock = threading.RLock()
        _check_webhook_url(webhook_url)
        self._default_webhook_url = webhook_url
        self._reset_unlocked()

    def _reset_unlocked(self) -> None:
        self._receipts: dict[str, dict[str, Any]] = {}
        self._cancellations: dict[str, list[dict[str, Any]]] = {}
        self._cancel_ids: dict[str, set[str]] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._latest_token: dict[str, str] = {}  # application_id -> token value
        self._faults: list[Fault] = []
        self._next_fault_id = 1
        self._calls: dict[str, int] = {}
        self._requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._clock_offset = 0.0
        self._duplicate_cancel_id = "refuse"
        self._webhook_url: str | None = self._default_webhook_url
        self._vbank_refund_contract = True  # the merchant's CMS special contract (pg_rules.py)
        self._partial_cancel_methods = ["card"]  # methods the merchant's PG partly cancels (pg_rules.py)
        self._billing_keys: dict[str, dict[str, Any]] = {}  # billing key -> record (see issue_billing_key)
        self._billing_receipts: dict[str, str] = {}  # issuance receipt id -> billing key
        self._reservations: dict[str, dict[str, Any]] = {}  # reserve id -> reserve object
        self._reservation_keys: dict[str, str] = {}  # reserve id -> billing key
        self._shipments: dict[str, dict[str, Any]] = {}  # receipt id -> escrow shipping registration
        self._cash_records: list[dict[str, Any]] = []  # cash receipts of both kinds (see cash_receipts.py)
        self._cash_standalone: dict[str, dict[str, Any]] = {}  # receipt id -> stand-alone cash receipt
        self._cash_fingerprints: dict[str, tuple[Any, ...]] = {}  # receipt id -> what a retry must repeat
        self._certificates: dict[
            str, dict[str, Any]
        ] = {}  # receipt id -> identity verification (identity.py)
        self._reset_notifications_unlocked()

    def reset(self) -> None:
        """Forget everything: receipts, billing keys, reservations, cash receipts, tokens, faults, counters,
        clock offset, the notification log and hold switch (deliveries still retrying are abandoned);
        settings go back to the start's (``webhook_url`` to the one the state was made with)."""
        with self.lock:
            self._reset_unlocked()

    # ----- clock -------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._clock_offset

    @property
    def clock_offset(self) -> float:
        return self._clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator clock forward (or back); returns the new offset in seconds."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise bad_request("advance_s must be a number")
        with self.lock:
            self._clock_offset += float(seconds)
            return self._clock_offset

    def iso(self, ts: float | None = None) -> str:
        """ISO 8601 with the +09:00 offset, from the emulator clock (now by default)."""
        moment = self.now() if ts is None else ts
        return datetime.fromtimestamp(moment, KST).isoformat(timespec="seconds")

    # ----- settings ----------------------------------------------------------------------------------

    @property
    def duplicate_cancel_id(self) -> str:
        return self._duplicate_cancel_id

    @duplicate_cancel_id.setter
    def duplicate_cancel_id(self, policy: str) -> None:
        if policy not in DUPLICATE_CANCEL_POLICIES:
            raise bad_request(f"duplicate_cancel_id must be one of {', '.join(DUPLICATE_CANCEL_POLICIES)}")
        with self.lock:
            self._duplicate_cancel_id = policy

    @property
    def webhook_url(self) -> str | None:
        """Where the emulator notifies the changes Bootpay notifies (None: nowhere)."""
        return self._webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        _check_webhook_url(url)
        with self.lock:
            self._webhook_url = url

    @property
    def vbank_refund_contract(self) -> bool:
        """The merchant has the PG's CMS special contract: deposited virtual accounts can be refunded."""
        return self._vbank_refund_contract

    @property
    def partial_cancel_methods(self) -> list[str]:
        """Method families (card, bank, vbank, phone) whose partial cancel the merchant's PG takes."""
        return list(self._partial_cancel_methods)

    def settings(self) -> dict[str, Any]:
        return {
            "duplicate_cancel_id": self._duplicate_cancel_id,
            "webhook_url": self._webhook_url,
            "vbank_refund_contract": self._vbank_refund_contract,
            "partial_cancel_methods": list(self._partial_cancel_methods),
        }

    def update_settings(self, duplicate_cancel_id: str | None = None, **changes: Any) -> dict[str, Any]:
        """Change the given settings; ``webhook_url=None`` (given) switches the charge webhooks off."""
        unknown = set(changes) - {"webhook_url", "vbank_refund_contract", "partial_cancel_methods"}
        if unknown:
            raise bad_request(f"unknown setting(s): {', '.join(sorted(unknown))}")
        contract = changes.get("vbank_refund_contract", self._vbank_refund_contract)
        if not isinstance(contract, bool):
            raise bad_request("vbank_refund_contract must be true or false")
        partial_methods = changes.get("partial_cancel_methods", self._partial_cancel_methods)
        if not isinstance(partial_methods, list) or not set(partial_methods) <= PARTIAL_CANCEL_FAMILIES:
            allowed = ", ".join(sorted(PARTIAL_CANCEL_FAMILIES))
            raise bad_request(f"partial_cancel_methods must be a list of {allowed}")
        with self.lock:  # all or nothing: a refused value changes no other setting
            before = self.settings()
            try:
                if duplicate_cancel_id is not None:
                    self.duplicate_cancel_id = duplicate_cancel_id
                if "webhook_url" in changes:
                    self.webhook_url = changes["webhook_url"]
            except SandboxError:
                self._duplicate_cancel_id, self._webhook_url = (
                    before["duplicate_cancel_id"],
                    before["webhook_url"],
                )
                raise
            self._vbank_refund_contract = contract
            self._partial_cancel_methods = list(partial_methods)
            return self.settings()

    # ----- tokens ------------------------------------------------------------------------------------

    def issue_token(self, application_id: str) -> dict[str, Any]:
        """Token for an already authenticated application: the same one within 25 min of issue."""
        with self.lock:
            now = self.now()
            # drop expired tokens so the table stays small in long-running dev servers
            for value in [v for v, t in self._tokens.items() if t.expires_at <= now]:
                del self._tokens[value]
            current = self._tokens.get(self._latest_token.get(application_id, ""))
            if current is None or now - current.issued_at >= TOKEN_REUSE_S:
                current = IssuedToken(secrets.token_hex(20), application_id, now, now + TOKEN_TTL_S)
                self._tokens[current.value] = current
                self._latest_token[application_id] = current.value
            # remaining lifetime (1800 on a fresh token) so a client caching by expire_in never overshoots
            return {"access_token": current.value, "expire_in": round(current.expires_at - now)}

    def token_valid(self, token: str) -> bool:
        with self.lock:
            found = self._tokens.get(token)
            return found is not None and found.expires_at > self.now()

    # ----- faults ------------------------------------------------------------------------------------

    def add_fault(
        self,
        path: str,
        mode: str,
        latency_s: float = 0,
        error_code: str | None = None,
        message: str | None = None,
        status: int | None = None,
        times: int | None = None,
    ) -> dict[str, Any]:
        """Inject a fault for /v2 requests whose path (no ``/v2/`` prefix, no query) starts with ``path``."""
        if not isinstance(path, str):
            raise bad_request("path must be a string")
        path = path.lstrip("/")
        path = path[3:] if path.startswith("v2/") else path
        if mode not in FAULT_MODES:
            raise bad_request(f"mode must be one of {', '.join(FAULT_MODES)}")
        latency_s = 0 if latency_s is None else latency_s
        if isinstance(latency_s, bool) or not isinstance(latency_s, int | float) or latency_s < 0:
            raise bad_request("latency_s must be a non-negative number")
        if mode == "hang" and not latency_s:
            latency_s = DEFAULT_HANG_S
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise bad_request("times must be a positive integer or null")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise bad_request("status must be an HTTP status code")
        if mode == "error_code" and not error_code:
            raise bad_request("mode error_code needs an error_code")
        with self.lock:
            fault = Fault(
                self._next_fault_id, path, mode, float(latency_s), error_code, message, status, times
            )
            self._next_fault_id += 1
            self._faults.append(fault)
            return fault.to_dict()

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self.lock:
            return [f.to_dict() for f in self._faults]

    def take_fault(self, path: str) -> Fault | None:
        """The first fault matching ``path``, counting one use of it (it is removed when used up)."""
        with self.lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return copy.copy(fault)
            return None

    # ----- call log ----------------------------------------------------------------------------------

    def record_call(self, method: str, template: str, entry: dict[str, Any]) -> None:
        with self.lock:
            key = f"{method.upper()} {template}"
            self._calls[key] = self._calls.get(key, 0) + 1
            self._requests.append({"at": self.iso(), **entry})

    def call_count(self, method: str, template: str) -> int:
        with self.lock:
            return self._calls.get(f"{method.upper()} {template}", 0)

    def calls(self) -> dict[str, int]:
        with self.lock:
            return dict(self._calls)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The last 200 /v2 requests (method, path, template, headers without secrets, auth scheme, body)."""
        with self.lock:
            return copy.deepcopy(list(self._requests))


def _check_webhook_url(url: Any) -> None:
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise bad_request("webhook_url must be an http(s) URL or null")
