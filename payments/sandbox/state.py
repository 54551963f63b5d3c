"""In-memory state of the local Bootpay emulator.

Pure Python (no Django): the HTTP layer in ``server.py`` and tests drive it. Every public method takes
the one state lock, so concurrent requests see a consistent world (e.g. two cancels can never both
spend the same balance). Methods return deep copies; callers can never mutate stored receipts.

Business errors are raised as :class:`SandboxError`, which carries the Bootpay-style ``error_code``
and the HTTP status the server answers with.
"""

from __future__ import annotations

import copy
import hmac
import random
import secrets
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

SANDBOX_APPLICATION_ID = "sandbox-application-id"
SANDBOX_PRIVATE_KEY = "sandbox-private-key"
SANDBOX_CLIENT_KEY = "sandbox-client-key"
SANDBOX_SECRET_KEY = "sandbox-secret-key"

KST = timezone(timedelta(hours=9), "Asia/Seoul")

TOKEN_TTL_S = 30 * 60
TOKEN_REUSE_S = 25 * 60  # Bootpay hands back the same token when re-requested within 25 minutes
REQUEST_LOG_SIZE = 200

STATUS_PAID = 1
STATUS_AWAITING_CONFIRM = 2
STATUS_VBANK_ISSUED = 5
STATUS_CANCELLED = 20
STATUS_EXPIRED = -1
STATUS_FAILED = -2

STATUS_LOCALE = {
    STATUS_PAID: "결제완료",
    STATUS_AWAITING_CONFIRM: "승인대기",
    STATUS_VBANK_ISSUED: "가상계좌발급완료",
    STATUS_CANCELLED: "결제취소완료",
    STATUS_EXPIRED: "결제실패",
    STATUS_FAILED: "결제실패",
}
PARTIAL_CANCEL_LOCALE = "부분취소완료"

# control-API state name -> Bootpay status
RECEIPT_STATES = {
    "paid": STATUS_PAID,
    "awaiting_confirm": STATUS_AWAITING_CONFIRM,
    "vbank_issued": STATUS_VBANK_ISSUED,
    "failed": STATUS_FAILED,
}

# method_symbol -> (localized method name, PG display name, sub-object key)
METHODS = {
    "card": ("카드", "나이스페이먼츠", "card_data"),
    "vbank": ("가상계좌", "나이스페이먼츠", "vbank_data"),
    "bank": ("계좌이체", "나이스페이먼츠", "bank_data"),
    "phone": ("휴대폰", "다날", "phone_data"),
}

DUPLICATE_CANCEL_POLICIES = ("refuse", "replay")
FAULT_MODES = ("latency", "hang", "status_500", "html_502", "malformed", "error_code", "reset")
DEFAULT_HANG_S = 60.0

COMPANY_NAME = "Sandbox Marketplace"
GATEWAY_URL = "https://gw.bootpay.co.kr"
RECEIPT_URL = "https://door.bootpay.co.kr/receipt/{receipt_id}"


class SandboxError(Exception):
    """A Bootpay-style error answer: HTTP ``status`` with body ``{"error_code", "message"}``."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message

    def to_body(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}


def _bad_request(message: str) -> SandboxError:
    return SandboxError(400, "INVALID_PARAMETER", message)


@dataclass(frozen=True)
class SandboxCredentials:
    """Accepted key pairs: legacy ``application_id -> private_key`` and ``client_key -> secret_key``."""

    legacy: dict[str, str] = field(default_factory=lambda: {SANDBOX_APPLICATION_ID: SANDBOX_PRIVATE_KEY})
    client: dict[str, str] = field(default_factory=lambda: {SANDBOX_CLIENT_KEY: SANDBOX_SECRET_KEY})

    @classmethod
    def build(
        cls,
        application_id: str = "",
        private_key: str = "",
        client_key: str = "",
        secret_key: str = "",
    ) -> SandboxCredentials:
        """Credentials from configured keys; an incomplete pair falls back to the sandbox default pair."""
        legacy = (
            {application_id: private_key}
            if application_id and private_key
            else {SANDBOX_APPLICATION_ID: SANDBOX_PRIVATE_KEY}
        )
        client = (
            {client_key: secret_key}
            if client_key and secret_key
            else {SANDBOX_CLIENT_KEY: SANDBOX_SECRET_KEY}
        )
        return cls(legacy=legacy, client=client)

    def check_legacy(self, application_id: str, private_key: str) -> str | None:
        """Return the Bootpay error code for a token request, or None when the pair is valid."""
        expected = self.legacy.get(application_id)
        if expected is None:
            return "APP_KEY_NOT_FOUND"
        if not hmac.compare_digest(expected.encode(), private_key.encode()):
            return "APP_SK_NOT_MATCHED"
        return None

    def check_client(self, client_key: str, secret_key: str) -> bool:
        expected = self.client.get(client_key)
        return expected is not None and hmac.compare_digest(expected.encode(), secret_key.encode())

    def __repr__(self) -> str:  # never show the secrets
        return f"SandboxCredentials(legacy={list(self.legacy)}, client={list(self.client)})"


@dataclass
class Fault:
    id: int
    path: str
    mode: str
    latency_s: float = 0.0
    error_code: str | None = None
    message: str | None = None
    status: int | None = None
    times: int | None = None  # remaining requests it affects; None = until cleared
    hits: int = 0

    def matches(self, path: str) -> bool:
        return path.startswith(self.path)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Token:
    value: str
    application_id: str
    issued_at: float
    expires_at: float


def _given(value: Any) -> bool:
    """Bootpay (and the SDK) treat null, "", {} and a missing key alike."""
    return value not in (None, "", {}, [])


def _as_amount(value: Any, name: str, error_code: str = "INVALID_PARAMETER") -> int:
    """An integer KRW amount; integral floats are accepted (JSON clients send 1000.0 sometimes)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SandboxError(400, error_code, f"{name} must be a number")
    if isinstance(value, float) and not value.is_integer():
        raise SandboxError(400, error_code, f"{name} must be a whole number of KRW")
    return int(value)


def _digits(n: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(n))


class SandboxState:
    """All emulator state, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._reset_unlocked()

    def _reset_unlocked(self) -> None:
        self._receipts: dict[str, dict[str, Any]] = {}
        self._cancellations: dict[str, list[dict[str, Any]]] = {}
        self._cancel_ids: dict[str, set[str]] = {}
        self._tokens: dict[str, _Token] = {}
        self._latest_token: dict[str, str] = {}  # application_id -> token value
        self._faults: list[Fault] = []
        self._next_fault_id = 1
        self._calls: dict[str, int] = {}
        self._requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._clock_offset = 0.0
        self._duplicate_cancel_id = "refuse"

    def reset(self) -> None:
        """Forget everything: receipts, tokens, faults, counters, clock offset and settings."""
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
            raise _bad_request("advance_s must be a number")
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
            raise _bad_request(f"duplicate_cancel_id must be one of {', '.join(DUPLICATE_CANCEL_POLICIES)}")
        with self.lock:
            self._duplicate_cancel_id = policy

    def settings(self) -> dict[str, Any]:
        return {"duplicate_cancel_id": self._duplicate_cancel_id}

    def update_settings(self, duplicate_cancel_id: str | None = None) -> dict[str, Any]:
        if duplicate_cancel_id is not None:
            self.duplicate_cancel_id = duplicate_cancel_id
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
                current = _Token(secrets.token_hex(20), application_id, now, now + TOKEN_TTL_S)
                self._tokens[current.value] = current
                self._latest_token[application_id] = current.value
            # remaining lifetime (1800 on a fresh token) so a client caching by expire_in never overshoots
            return {"access_token": current.value, "expire_in": round(current.expires_at - now)}

    def token_valid(self, token: str) -> bool:
        with self.lock:
            found = self._tokens.get(token)
            return found is not None and found.expires_at > self.now()

    # ----- receipts ----------------------------------------------------------------------------------

    def create_receipt(
        self,
        order_id: str,
        price: int,
        tax_free: int = 0,
        method: str | None = None,
        state: str = "paid",
        order_name: str = "Sandbox order",
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a receipt as if a buyer went through the payment window.

        ``state``: paid (1), awaiting_confirm (2), vbank_issued (5, method vbank) or failed (-2).
        ``method``: card (default), vbank, bank or phone.
        """
        if not isinstance(order_id, str) or not order_id:
            raise _bad_request("order_id must be a non-empty string")
        price = _as_amount(price, "price")
        tax_free = _as_amount(0 if tax_free is None else tax_free, "tax_free")
        if price <= 0:
            raise _bad_request("price must be positive")
        if not 0 <= tax_free <= price:
            raise _bad_request("tax_free must be between 0 and price")
        if state not in RECEIPT_STATES:
            raise _bad_request(f"state must be one of {', '.join(RECEIPT_STATES)}")
        if method is None:
            method = "vbank" if state == "vbank_issued" else "card"
        if method not in METHODS:
            raise _bad_request(f"method must be one of {', '.join(METHODS)}")
        if state == "vbank_issued" and method != "vbank":
            raise _bad_request("state vbank_issued requires method vbank")
        if state == "awaiting_confirm" and method == "vbank":
            raise _bad_request("a vbank payment cannot await confirmation; use vbank_issued")
        if not isinstance(order_name, str) or not order_name:
            raise _bad_request("order_name must be a non-empty string")
        if metadata is not None and not isinstance(metadata, dict):
            raise _bad_request("metadata must be an object")

        with self.lock:
            receipt_id = secrets.token_hex(12)
            while receipt_id in self._receipts:
                receipt_id = secrets.token_hex(12)
            now = self.now()
            status = RECEIPT_STATES[state]
            method_name, pg_name, data_key = METHODS[method]
            receipt: dict[str, Any] = {
                "receipt_id": receipt_id,
                "order_id": order_id,
                "price": price,
                "tax_free": tax_free,
                "cancelled_price": 0,
                "cancelled_tax_free": 0,
                "order_name": order_name,
                "company_name": COMPANY_NAME,
                "gateway_url": GATEWAY_URL,
                "metadata": dict(metadata or {}),
                "sandbox": True,
                "pg": pg_name,
                "method": method_name,
                "method_origin": method_name,
                "method_symbol": method,
                "method_origin_symbol": method,
                "requested_at": self.iso(now),
                "purchased_at": self.iso(now) if status == STATUS_PAID else None,
                "cancelled_at": None,
                "status": status,
                "status_locale": STATUS_LOCALE[status],
                "currency": "KRW",
                "receipt_url": RECEIPT_URL.format(receipt_id=receipt_id),
                data_key: self._method_data(method, receipt_id, now),
            }
            self._receipts[receipt_id] = receipt
            self._cancellations[receipt_id] = []
            self._cancel_ids[receipt_id] = set()
            return copy.deepcopy(receipt)

    def _method_data(self, method: str, receipt_id: str, now: float) -> dict[str, Any]:
        tid = f"sandbox{_digits(13)}"
        receipt_url = RECEIPT_URL.format(receipt_id=receipt_id)
        if method == "card":
            return {
                "tid": tid,
                "card_approve_no": _digits(8),
                "card_no": f"5365{_digits(4)}****{_digits(4)}",
                "card_quota": "00",
                "card_company": "신한",
                "card_company_code": "04",
                "card_interest": "0",
                "card_type": "신용",
                "card_owner_type": "개인",
                "point": 0,
                "coupon": 0,
                "receipt_url": receipt_url,
            }
        if method == "vbank":
            return {
                "tid": tid,
                "bank_code": "004",
                "bank_name": "국민은행",
                "bank_account": _digits(14),
                "bank_username": COMPANY_NAME,
                "sender_name": "홍길동",
                "expired_at": self.iso(now + 3 * 24 * 3600),
                "cash_receipt_tid": None,
                "cash_receipt_type": None,
                "cash_receipt_no": None,
                "receipt_url": receipt_url,
            }
        if method == "bank":
            return {
                "tid": tid,
                "bank_code": "088",
                "bank_name": "신한은행",
                "bank_account": f"110****{_digits(5)}",
                "bank_username": "홍길동",
                "cash_receipt_tid": None,
                "cash_receipt_type": None,
                "cash_receipt_no": None,
                "receipt_url": receipt_url,
            }
        return {
            "tid": tid,
            "auth_no": _digits(6),
            "phone": f"010****{_digits(4)}",
            "receipt_url": receipt_url,
        }

    def _get(self, receipt_id: Any) -> dict[str, Any]:
        receipt = self._receipts.get(receipt_id) if isinstance(receipt_id, str) else None
        if receipt is None:
            raise SandboxError(404, "RC_NOT_FOUND", "영수증 정보를 찾지 못했습니다.")
        return receipt

    def get_receipt(self, receipt_id: str) -> dict[str, Any]:
        """The receipt as Bootpay returns it; raises SandboxError RC_NOT_FOUND."""
        with self.lock:
            return copy.deepcopy(self._get(receipt_id))

    def cancellations(self, receipt_id: str) -> list[dict[str, Any]]:
        with self.lock:
            self._get(receipt_id)
            return copy.deepcopy(self._cancellations[receipt_id])

    def receipt_detail(self, receipt_id: str) -> dict[str, Any]:
        """Receipt plus the emulator-only ``_cancellations`` list (control API view)."""
        with self.lock:
            detail = copy.deepcopy(self._get(receipt_id))
            detail["_cancellations"] = copy.deepcopy(self._cancellations[receipt_id])
            return detail

    def list_receipts(self, order_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                copy.deepcopy(r)
                for r in self._receipts.values()
                if order_id is None or r["order_id"] == order_id
            ]

    def confirm(self, receipt_id: str) -> dict[str, Any]:
        """Separate approval: status 2 -> 1."""
        with self.lock:
            receipt = self._get(receipt_id)
            if receipt["status"] != STATUS_AWAITING_CONFIRM:
                raise SandboxError(
                    400,
                    "RC_NOT_CONFIRM_READY",
                    f"승인할 수 없는 상태입니다. (status {receipt['status']})",
                )
            self._set_status(receipt, STATUS_PAID)
            receipt["purchased_at"] = self.iso()
            return copy.deepcopy(receipt)

    def deposit(self, receipt_id: str) -> dict[str, Any]:
        """The buyer pays into the virtual account: status 5 -> 1."""
        with self.lock:
            receipt = self._get(receipt_id)
            if receipt["status"] != STATUS_VBANK_ISSUED:
                raise _bad_request(
                    f"only an issued virtual account (status 5) can receive a deposit, "
                    f"status is {receipt['status']}"
                )
            self._set_status(receipt, STATUS_PAID)
            receipt["purchased_at"] = self.iso()
            return copy.deepcopy(receipt)

    def expire(self, receipt_id: str) -> dict[str, Any]:
        """A status-2 receipt that was never confirmed ages out: status -1."""
        with self.lock:
            receipt = self._get(receipt_id)
            if receipt["status"] != STATUS_AWAITING_CONFIRM:
                raise _bad_request(
                    f"only a receipt awaiting confirmation (status 2) can expire, "
                    f"status is {receipt['status']}"
                )
            self._set_status(receipt, STATUS_EXPIRED)
            return copy.deepcopy(receipt)

    @staticmethod
    def _set_status(receipt: dict[str, Any], status: int) -> None:
        receipt["status"] = status
        receipt["status_locale"] = STATUS_LOCALE[status]

    def cancel(
        self,
        receipt_id: str,
        cancel_price: Any = None,
        cancel_tax_free: Any = None,
        cancel_id: Any = None,
        cancel_username: Any = None,
        cancel_message: Any = None,
        refund: Any = None,
        items: Any = None,
        metadata: Any = None,
    ) -> dict[str, Any]:
        """``POST /v2/cancel``: full or partial cancellation; returns the updated receipt.

        ``items`` and ``metadata`` are accepted and ignored (their semantics are unconfirmed).
        """

        def refused(message: str) -> SandboxError:
            return SandboxError(400, "RC_CANCEL_SERVER_ERROR", message)

        cancel_id = cancel_id if _given(cancel_id) else None
        if cancel_id is not None and not isinstance(cancel_id, str):
            raise refused("cancel_id must be a string")

        with self.lock:
            receipt = self._get(receipt_id)
            # checked first so a retried final cancel can still be replayed
            if cancel_id is not None and cancel_id in self._cancel_ids[receipt_id]:
                if self._duplicate_cancel_id == "replay":
                    return copy.deepcopy(receipt)
                raise SandboxError(
                    400, "RC_ALREADY_CANCELLED", f"이미 처리된 취소 요청입니다. (cancel_id: {cancel_id})"
                )

            status = receipt["status"]
            remaining = receipt["price"] - receipt["cancelled_price"]
            if status == STATUS_CANCELLED and remaining <= 0:
                raise SandboxError(400, "RC_ALREADY_CANCELLED", "이미 취소된 결제입니다.")
            # Nothing charged yet (a virtual account nobody paid into, an approval nobody confirmed):
            # cancelling withdraws it whole. Bootpay's behaviour for status 2 is unconfirmed; ours.
            uncharged = (
                status == STATUS_VBANK_ISSUED and receipt["method_symbol"] == "vbank"
            ) or status == STATUS_AWAITING_CONFIRM
            if status not in (STATUS_PAID, STATUS_CANCELLED) and not uncharged:
                raise refused(f"취소할 수 없는 상태입니다. (status {status})")

            price = (
                remaining
                if not _given(cancel_price)
                else _as_amount(cancel_price, "cancel_price", "RC_CANCEL_SERVER_ERROR")
            )
            if price <= 0:
                raise refused("취소 금액은 0보다 커야 합니다.")
            if price > remaining:
                raise refused(f"취소 금액({price})이 취소 가능 금액({remaining})보다 큽니다.")
            if uncharged and price != remaining:
                raise refused("결제되지 않은 거래(입금 전 가상계좌, 승인 대기)는 부분취소할 수 없습니다.")

            remaining_tax_free = receipt["tax_free"] - receipt["cancelled_tax_free"]
            if _given(cancel_tax_free):
                tax_free = _as_amount(cancel_tax_free, "cancel_tax_free", "RC_CANCEL_SERVER_ERROR")
            elif price == remaining:
                # the final cancellation takes whatever tax-free part is left
                tax_free = min(remaining_tax_free, price)
            else:
                tax_free = 0
            if tax_free < 0 or tax_free > price:
                raise refused("면세 취소 금액은 0 이상, 취소 금액 이하여야 합니다.")
            if tax_free > remaining_tax_free:
                raise refused(
                    f"면세 취소 금액({tax_free})이 취소 가능 면세 금액({remaining_tax_free})보다 큽니다."
                )

            # money already deposited into a virtual account goes back by bank transfer: need the target
            refund_ok = isinstance(refund, dict) and all(
                _given(refund.get(key)) for key in ("bank_account", "bank_username", "bank_code")
            )
            if receipt["method_symbol"] == "vbank" and not uncharged and not refund_ok:
                raise refused(
                    "가상계좌 환불에는 환불 계좌 정보(refund: bank_account, bank_username, "
                    "bank_code)가 필요합니다."
                )

            now_iso = self.iso()
            receipt["cancelled_price"] += price
            receipt["cancelled_tax_free"] += tax_free
            receipt["status"] = STATUS_CANCELLED
            fully = receipt["cancelled_price"] >= receipt["price"]
            receipt["status_locale"] = STATUS_LOCALE[STATUS_CANCELLED] if fully else PARTIAL_CANCEL_LOCALE
            receipt["cancelled_at"] = now_iso
            if cancel_id is not None:
                self._cancel_ids[receipt_id].add(cancel_id)
            self._cancellations[receipt_id].append(
                {
                    "cancel_id": cancel_id,
                    "price": price,
                    "tax_free": tax_free,
                    "at": now_iso,
                    "cancel_username": cancel_username if _given(cancel_username) else None,
                    "cancel_message": cancel_message if _given(cancel_message) else None,
                    "refund": copy.deepcopy(refund) if _given(refund) else None,
                }
            )
            return copy.deepcopy(receipt)

    def snapshot(self, receipt_id: str, status: int | None = None) -> dict[str, Any]:
        """Copy of a receipt, optionally pretending a different status (out-of-order webhook tests)."""
        with self.lock:
            receipt = copy.deepcopy(self._get(receipt_id))
        if status is not None:
            if isinstance(status, bool) or not isinstance(status, int):
                raise _bad_request("status must be an integer")
            receipt["status"] = status
            locale = STATUS_LOCALE.get(status, receipt["status_locale"])
            if status == STATUS_CANCELLED and receipt["cancelled_price"] < receipt["price"]:
                locale = PARTIAL_CANCEL_LOCALE
            receipt["status_locale"] = locale
        return receipt

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
            raise _bad_request("path must be a string")
        path = path.lstrip("/")
        path = path[3:] if path.startswith("v2/") else path
        if mode not in FAULT_MODES:
            raise _bad_request(f"mode must be one of {', '.join(FAULT_MODES)}")
        latency_s = 0 if latency_s is None else latency_s
        if isinstance(latency_s, bool) or not isinstance(latency_s, int | float) or latency_s < 0:
            raise _bad_request("latency_s must be a non-negative number")
        if mode == "hang" and not latency_s:
            latency_s = DEFAULT_HANG_S
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise _bad_request("times must be a positive integer or null")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise _bad_request("status must be an HTTP status code")
        if mode == "error_code" and not error_code:
            raise _bad_request("mode error_code needs an error_code")
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
