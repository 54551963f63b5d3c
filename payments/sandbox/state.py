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
STATUS_BILLING_KEY_ISSUED = 11
STATUS_CANCELLED = 20
STATUS_EXPIRED = -1
STATUS_FAILED = -2

STATUS_LOCALE = {
    STATUS_PAID: "결제완료",
    STATUS_AWAITING_CONFIRM: "승인대기",
    STATUS_VBANK_ISSUED: "가상계좌발급완료",
    STATUS_BILLING_KEY_ISSUED: "빌링키발급완료",
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

# Automatic payments (billing keys): the issuance receipt and the charges made with a key.
BILLING_PG = "나이스페이먼츠"
BILLING_METHOD = ("카드자동결제", "card_rebill")  # the issuance (requestSubscription)
REBILL_METHOD = ("카드자동결제", "card_rebill_rest")  # a charge with the key (subscribe/payment)
DEFAULT_CARD_NUMBER = "5123456789011234"
DEFAULT_CARD_COMPANY = "신한"
CARD_COMPANY_CODES = {"신한": "04", "국민": "02", "삼성": "08", "현대": "07", "롯데": "03", "비씨": "01"}
BILLING_KEY_LIFETIME_DAYS = 5 * 365
MAX_PENDING_RESERVATIONS = 10  # per billing key (Bootpay's documented limit)
DECLINE_CODE = "RC_CARD_DECLINED"
DECLINE_MESSAGE = "카드 승인 거절"

# reserve object `status` (Bootpay's meaning of the values is unconfirmed; ours)
RESERVE_RESERVED = 1
RESERVE_EXECUTED = 2
RESERVE_CANCELLED = 3
RESERVE_FAILED = 4

# Escrow (에스크로). Bootpay's values of escrow_data.status are unconfirmed: the emulator's own.
ESCROW_WAITING = ("waiting_shipping", "배송대기")
ESCROW_SHIPPING = ("shipping", "배송중")
ESCROW_NOT_ESCROW_CODE = "RC_NOT_ESCROW"  # documented by Bootpay
# Assumed (Bootpay's codes for these are unconfirmed): a second registration, a receipt not paid.
ESCROW_ALREADY_STARTED_CODE = "RC_ESCROW_ALREADY_STARTED"
ESCROW_NOT_PAID_CODE = "RC_ESCROW_NOT_PAID"
SHIPPING_BODY_FIELDS = frozenset(
    {
        "tracking_number",
        "delivery_corp",
        "shipping_prepayment",
        "shipping_day",
        "user",
        "company",
        "redirect_url",
        "receipt_url",
    }
)

DUPLICATE_CANCEL_POLICIES = ("refuse", "replay")
FAULT_MODES = (
    "latency",
    "hang",
    "status_500",
    "html_502",
    "malformed",
    "error_code",
    "reset",
    "lost_answer",
)
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


def _text(value: Any, name: str, *, required: bool = True, max_length: int = 200) -> str:
    """A string field: null/"" count as missing (refused when ``required``)."""
    if not _given(value):
        if required:
            raise _bad_request(f"{name} is required")
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise _bad_request(f"{name} must be a string of at most {max_length} characters")
    return value


def _masked_card_number(card_number: Any) -> str:
    """``5123456789011234`` → ``51234567****1234``: the first 8 and last 4 digits, as Bootpay shows."""
    if not isinstance(card_number, str):
        raise _bad_request("card_number must be a string of 13 to 19 digits")
    digits = card_number.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise _bad_request("card_number must be a string of 13 to 19 digits")
    return digits[:8] + "*" * (len(digits) - 12) + digits[-4:]


def billing_key_hint(billing_key: str) -> str:
    """What may be shown of a billing key: its last four characters."""
    return f"…{billing_key[-4:]}"


def _parse_execute_at(value: Any) -> datetime:
    """``reserve_execute_at``: ISO 8601 with an offset (``+09:00``, or ``+0900`` as the SDK README shows)."""
    if not isinstance(value, str) or not value:
        raise _bad_request("reserve_execute_at is required (ISO 8601 with an offset)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            raise _bad_request("reserve_execute_at must be ISO 8601 with an offset") from None
    if moment.tzinfo is None:
        raise _bad_request("reserve_execute_at needs a UTC offset, e.g. +09:00")
    return moment


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
        self._webhook_url: str | None = None
        self._billing_keys: dict[str, dict[str, Any]] = {}  # billing key -> record (see issue_billing_key)
        self._billing_receipts: dict[str, str] = {}  # issuance receipt id -> billing key
        self._reservations: dict[str, dict[str, Any]] = {}  # reserve id -> reserve object
        self._reservation_keys: dict[str, str] = {}  # reserve id -> billing key
        self._shipments: dict[str, dict[str, Any]] = {}  # receipt id -> escrow shipping registration

    def reset(self) -> None:
        """Forget everything: receipts, billing keys, reservations, tokens, faults, counters, clock offset
        and settings."""
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

    @property
    def webhook_url(self) -> str | None:
        """Where the emulator notifies charges with a billing key (None: nowhere)."""
        return self._webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise _bad_request("webhook_url must be an http(s) URL or null")
        with self.lock:
            self._webhook_url = url

    def settings(self) -> dict[str, Any]:
        return {"duplicate_cancel_id": self._duplicate_cancel_id, "webhook_url": self._webhook_url}

    def update_settings(self, duplicate_cancel_id: str | None = None, **changes: Any) -> dict[str, Any]:
        """Change the given settings; ``webhook_url=None`` (given) switches the charge webhooks off."""
        unknown = set(changes) - {"webhook_url"}
        if unknown:
            raise _bad_request(f"unknown setting(s): {', '.join(sorted(unknown))}")
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
        escrow: bool = False,
    ) -> dict[str, Any]:
        """Create a receipt as if a buyer went through the payment window.

        ``state``: paid (1), awaiting_confirm (2), vbank_issued (5, method vbank) or failed (-2).
        ``method``: card (default), vbank, bank or phone. ``escrow``: an escrow payment (its receipt
        carries ``escrow_data`` and ``escrow_status``; null on every other receipt).
        """
        if not isinstance(escrow, bool):
            raise _bad_request("escrow must be true or false")
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
                "escrow_status": None,
                "escrow_status_locale": None,
            }
            if escrow:
                receipt["escrow_data"] = {
                    "status": ESCROW_WAITING[0],
                    "status_locale": ESCROW_WAITING[1],
                    "shipping_started_at": None,
                    "receipt_confirmed_at": None,
                }
                receipt["escrow_status"], receipt["escrow_status_locale"] = ESCROW_WAITING
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
            detail["_shipment"] = copy.deepcopy(self._shipments.get(receipt_id))
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

    def cancel(self, receipt_id: str, **fields: Any) -> dict[str, Any]:
        """``POST /v2/cancel``: full or partial cancellation; returns the updated receipt."""
        return self.apply_cancel(receipt_id, **fields)[0]

    def apply_cancel(
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
    ) -> tuple[dict[str, Any], bool]:
        """``cancel``, plus whether it changed anything (False: a repeated ``cancel_id`` replayed).

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
                    return copy.deepcopy(receipt), False
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
            return copy.deepcopy(receipt), True

    def shipping_start(self, receipt_id: str, **fields: Any) -> dict[str, Any]:
        """``PUT /v2/escrow/shipping/start/{receipt_id}``: register the shipment of an escrow payment;
        returns the updated receipt (escrow_data.shipping_started_at set, status 배송중).

        Refusals: RC_NOT_FOUND (unknown receipt), RC_NOT_ESCROW (not an escrow payment),
        RC_ESCROW_NOT_PAID (not paid, or cancelled whole: assumed; a partly
        cancelled receipt ships what remains), RC_ESCROW_ALREADY_STARTED (registered
        before: assumed), INVALID_PARAMETER (no tracking_number / delivery_corp, unknown fields).
        """
        unknown = set(fields) - SHIPPING_BODY_FIELDS
        if unknown:
            raise _bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        tracking_number = _text(fields.get("tracking_number"), "tracking_number", max_length=40)
        delivery_corp = _text(fields.get("delivery_corp"), "delivery_corp", max_length=40)
        for name in ("user", "company"):
            if fields.get(name) is not None and not isinstance(fields[name], dict):
                raise _bad_request(f"{name} must be an object")
        with self.lock:
            receipt = self._get(receipt_id)
            data = receipt.get("escrow_data")
            if not isinstance(data, dict) or not data:
                raise SandboxError(400, ESCROW_NOT_ESCROW_CODE, "에스크로 결제가 아닙니다.")
            if data.get("shipping_started_at"):
                raise SandboxError(400, ESCROW_ALREADY_STARTED_CODE, "이미 배송 등록된 결제입니다.")
            # Assumed: what remains of a partly cancelled receipt still ships; only a receipt not paid,
            # or cancelled whole, has nothing left to ship.
            remaining = receipt["price"] - receipt["cancelled_price"]
            if receipt["status"] not in (STATUS_PAID, STATUS_CANCELLED) or remaining <= 0:
                raise SandboxError(
                    400,
                    ESCROW_NOT_PAID_CODE,
                    f"배송을 등록할 수 없는 상태입니다. (status {receipt['status']})",
                )
            data["status"], data["status_locale"] = ESCROW_SHIPPING
            data["shipping_started_at"] = self.iso()
            receipt["escrow_status"], receipt["escrow_status_locale"] = ESCROW_SHIPPING
            self._shipments[receipt_id] = {
                "tracking_number": tracking_number,
                "delivery_corp": delivery_corp,
                **{
                    k: copy.deepcopy(v)
                    for k, v in fields.items()
                    if k not in ("tracking_number", "delivery_corp")
                },
            }
            return copy.deepcopy(receipt)

    def shipment(self, receipt_id: str) -> dict[str, Any] | None:
        """What the shipping registration of a receipt sent (control view), None before any."""
        with self.lock:
            self._get(receipt_id)
            return copy.deepcopy(self._shipments.get(receipt_id))

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

    # ----- automatic payments: billing keys, charges, reservations -----------------------------------
    #
    # A billing key is issued with a billing-issuance receipt (status 11, what the widget's
    # requestSubscription produces); charges with it are ordinary paid receipts (method_symbol
    # card_rebill_rest) that lookup and cancel treat like any other. Reservations are executed on demand
    # (control API), never by the emulator's clock. Error messages never quote a billing key.

    def issue_billing_key(
        self,
        subscription_id: Any,
        card_company: Any = None,
        card_number: Any = None,
        decline: Any = False,
    ) -> dict[str, Any]:
        """What requestSubscription produces: a billing key and its issuance receipt (status 11).

        Returns the control view of the key (``billing_key`` included: a test tool).
        """
        subscription_id = _text(subscription_id, "subscription_id", max_length=100)
        card_company = _text(card_company, "card_company", required=False, max_length=20)
        card_company = card_company or DEFAULT_CARD_COMPANY
        card_no = _masked_card_number(DEFAULT_CARD_NUMBER if card_number is None else card_number)
        if not isinstance(decline, bool):
            raise _bad_request("decline must be true or false")
        with self.lock:
            receipt_id = self._new_receipt_id()
            billing_key = secrets.token_hex(12)
            while billing_key in self._billing_keys:
                billing_key = secrets.token_hex(12)
            now = self.now()
            method_name, method_symbol = BILLING_METHOD
            self._receipts[receipt_id] = {
                "receipt_id": receipt_id,
                "order_id": subscription_id,  # requestSubscription names it subscription_id
                "subscription_id": subscription_id,
                "price": 0,
                "tax_free": 0,
                "cancelled_price": 0,
                "cancelled_tax_free": 0,
                "order_name": "정기결제 카드 등록",
                "company_name": COMPANY_NAME,
                "gateway_url": GATEWAY_URL,
                "metadata": {},
                "sandbox": True,
                "pg": BILLING_PG,
                "method": method_name,
                "method_origin": method_name,
                "method_symbol": method_symbol,
                "method_origin_symbol": method_symbol,
                "requested_at": self.iso(now),
                "purchased_at": None,
                "cancelled_at": None,
                "status": STATUS_BILLING_KEY_ISSUED,
                "status_locale": STATUS_LOCALE[STATUS_BILLING_KEY_ISSUED],
                "currency": "KRW",
                "receipt_url": RECEIPT_URL.format(receipt_id=receipt_id),
            }
            self._cancellations[receipt_id] = []
            self._cancel_ids[receipt_id] = set()
            self._billing_keys[billing_key] = {
                "billing_key": billing_key,
                "receipt_id": receipt_id,
                "subscription_id": subscription_id,
                "card_no": card_no,
                "card_company": card_company,
                "card_company_code": CARD_COMPANY_CODES.get(card_company, ""),
                "status": "active",
                "decline": decline,
                "published_at": self.iso(now),
                "billing_expire_at": self.iso(now + BILLING_KEY_LIFETIME_DAYS * 24 * 3600),
                "destroyed_at": None,
            }
            self._billing_receipts[receipt_id] = billing_key
            return self._key_view(self._billing_keys[billing_key])

    def _new_receipt_id(self) -> str:
        receipt_id = secrets.token_hex(12)
        while receipt_id in self._receipts:
            receipt_id = secrets.token_hex(12)
        return receipt_id

    @staticmethod
    def _key_view(record: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(record), "billing_key_hint": billing_key_hint(record["billing_key"])}

    def _billing_object(self, record: dict[str, Any]) -> dict[str, Any]:
        """Bootpay's billing object (status 11) for a key."""
        issuance = self._receipts[record["receipt_id"]]
        method_name, method_symbol = BILLING_METHOD
        return {
            "receipt_id": record["receipt_id"],
            "subscription_id": record["subscription_id"],
            "billing_key": record["billing_key"],
            "gateway_url": GATEWAY_URL,
            "metadata": {},
            "pg": BILLING_PG,
            "method": method_name,
            "method_symbol": method_symbol,
            "method_origin": method_name,
            "method_origin_symbol": method_symbol,
            "published_at": record["published_at"],
            "requested_at": issuance["requested_at"],
            "billing_data": {
                "card_no": record["card_no"],
                "card_company": record["card_company"],
                "card_company_code": record["card_company_code"],
            },
            "billing_expire_at": record["billing_expire_at"],
            "sandbox": True,
            "status": STATUS_BILLING_KEY_ISSUED,
            "status_locale": STATUS_LOCALE[STATUS_BILLING_KEY_ISSUED],
        }

    def _billing_record(self, billing_key: Any) -> dict[str, Any]:
        record = self._billing_keys.get(billing_key) if isinstance(billing_key, str) else None
        if record is None:
            raise SandboxError(404, "SUBSCRIBE_BK_EXPIRED", "존재하지 않는 빌링키입니다.")
        return record

    def _active_key(self, billing_key: Any) -> dict[str, Any]:
        record = self._billing_record(billing_key)
        if record["status"] != "active":
            raise SandboxError(400, "SUBSCRIBE_BK_EXPIRED", "만료되었거나 삭제된 빌링키입니다.")
        return record

    def billing_key_for_receipt(self, receipt_id: Any) -> dict[str, Any]:
        """``GET subscribe/billing_key/{receipt_id}``: the billing object of an issuance receipt."""
        with self.lock:
            self._get(receipt_id)
            billing_key = self._billing_receipts.get(receipt_id)
            if billing_key is None:
                raise SandboxError(400, "RC_NOT_SUBSCRIBE", "빌링키 발급 영수증이 아닙니다.")
            return self._billing_object(self._active_key(billing_key))

    def billing_key_lookup(self, billing_key: Any) -> dict[str, Any]:
        """``GET billing_key/{billing_key}``."""
        with self.lock:
            return self._billing_object(self._active_key(billing_key))

    def destroy_billing_key(self, billing_key: Any) -> dict[str, Any]:
        """``DELETE subscribe/billing_key/{key}``; pending reservations are left as they are."""
        with self.lock:
            record = self._active_key(billing_key)
            record["status"] = "destroyed"
            record["destroyed_at"] = self.iso()
            return {"billing_key": record["billing_key"]}

    def set_decline(self, billing_key: Any, decline: Any) -> dict[str, Any]:
        """Control: the card behind the key declines every charge from now on (or stops declining)."""
        if not isinstance(decline, bool):
            raise _bad_request("decline must be true or false")
        with self.lock:
            record = self._billing_record(billing_key)
            record["decline"] = decline
            return self._key_view(record)

    def list_billing_keys(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._key_view(record) for record in self._billing_keys.values()]

    def _charge_terms(
        self, order_id: Any, price: Any, tax_free: Any, order_name: Any, metadata: Any
    ) -> dict[str, Any]:
        order_id = _text(order_id, "order_id")
        order_name = _text(order_name, "order_name")
        price = _as_amount(price, "price")
        tax_free = _as_amount(0 if tax_free in (None, "") else tax_free, "tax_free")
        if price <= 0:
            raise _bad_request("price must be positive")
        if not 0 <= tax_free <= price:
            raise _bad_request("tax_free must be between 0 and price")
        if _given(metadata) and not isinstance(metadata, dict):
            raise _bad_request("metadata must be an object")
        return {
            "order_id": order_id,
            "order_name": order_name,
            "price": price,
            "tax_free": tax_free,
            "metadata": dict(metadata or {}),
        }

    def _rebill_receipt(self, record: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        """A paid receipt charged with ``record``'s key (the caller holds the lock)."""
        receipt_id = self._new_receipt_id()
        now = self.now()
        method_name, method_symbol = REBILL_METHOD
        receipt_url = RECEIPT_URL.format(receipt_id=receipt_id)
        receipt: dict[str, Any] = {
            "receipt_id": receipt_id,
            "order_id": terms["order_id"],
            "price": terms["price"],
            "tax_free": terms["tax_free"],
            "cancelled_price": 0,
            "cancelled_tax_free": 0,
            "order_name": terms["order_name"],
            "company_name": COMPANY_NAME,
            "gateway_url": GATEWAY_URL,
            "metadata": terms["metadata"],
            "sandbox": True,
            "pg": BILLING_PG,
            "method": method_name,
            "method_origin": method_name,
            "method_symbol": method_symbol,
            "method_origin_symbol": method_symbol,
            "requested_at": self.iso(now),
            "purchased_at": self.iso(now),
            "cancelled_at": None,
            "status": STATUS_PAID,
            "status_locale": STATUS_LOCALE[STATUS_PAID],
            "currency": "KRW",
            "receipt_url": receipt_url,
            "card_data": {
                "tid": f"sandbox{_digits(13)}",
                "card_approve_no": _digits(8),
                "card_no": record["card_no"],
                "card_quota": "00",
                "card_company": record["card_company"],
                "card_company_code": record["card_company_code"],
                "card_interest": "0",
                "card_type": "신용",
                "card_owner_type": "개인",
                "point": 0,
                "coupon": 0,
                "receipt_url": receipt_url,
            },
        }
        self._receipts[receipt_id] = receipt
        self._cancellations[receipt_id] = []
        self._cancel_ids[receipt_id] = set()
        return receipt

    def charge_billing_key(
        self,
        billing_key: Any,
        order_id: Any = None,
        price: Any = None,
        tax_free: Any = None,
        order_name: Any = None,
        metadata: Any = None,
        **ignored: Any,
    ) -> dict[str, Any]:
        """``POST subscribe/payment``: a paid receipt (status 1), or the card's decline (no receipt).

        ``ignored``: the other fields the SDK sends (card_quota, card_interest, items, user, extra,
        feedback_url, content_type); the server reads ``feedback_url`` itself.
        """
        terms = self._charge_terms(order_id, price, tax_free, order_name, metadata)
        with self.lock:
            record = self._active_key(billing_key)
            if record["decline"]:
                raise SandboxError(400, DECLINE_CODE, DECLINE_MESSAGE)
            return copy.deepcopy(self._rebill_receipt(record, terms))

    def reserve_charge(
        self,
        billing_key: Any,
        reserve_execute_at: Any = None,
        order_id: Any = None,
        price: Any = None,
        tax_free: Any = None,
        order_name: Any = None,
        metadata: Any = None,
        user: Any = None,
        feedback_url: Any = None,
        content_type: Any = None,
        **ignored: Any,
    ) -> dict[str, Any]:
        """``POST subscribe/payment/reserve`` → ``{reserve_id, reserve_execute_at}``."""
        terms = self._charge_terms(order_id, price, tax_free, order_name, metadata)
        execute_at = _parse_execute_at(reserve_execute_at)
        with self.lock:
            record = self._active_key(billing_key)
            if execute_at.timestamp() <= self.now():
                raise _bad_request("reserve_execute_at must be in the future")
            pending = [
                reserve_id
                for reserve_id, key in self._reservation_keys.items()
                if key == record["billing_key"]
                and self._reservations[reserve_id]["status"] == RESERVE_RESERVED
            ]
            if len(pending) >= MAX_PENDING_RESERVATIONS:
                raise SandboxError(
                    400,
                    "RC_RESERVE_LIMIT",
                    f"빌링키 하나에 예약할 수 있는 결제는 {MAX_PENDING_RESERVATIONS}건까지입니다.",
                )
            reserve_id = secrets.token_hex(12)
            while reserve_id in self._reservations:
                reserve_id = secrets.token_hex(12)
            self._reservations[reserve_id] = {
                "reserve_id": reserve_id,
                "receipt_id": None,
                **terms,
                "user": copy.deepcopy(user) if _given(user) else None,
                "feedback_url": feedback_url if _given(feedback_url) else None,
                "content_type": content_type if _given(content_type) else None,
                "extra": None,
                "reserve_requested_at": self.iso(),
                "reserve_execute_at": self.iso(execute_at.timestamp()),
                "reserve_started_at": None,
                "reserve_finished_at": None,
                "reserve_revoked_at": None,
                "status": RESERVE_RESERVED,
            }
            self._reservation_keys[reserve_id] = record["billing_key"]
            reservation = self._reservations[reserve_id]
            return {"reserve_id": reserve_id, "reserve_execute_at": reservation["reserve_execute_at"]}

    def _reservation(self, reserve_id: Any) -> dict[str, Any]:
        found = self._reservations.get(reserve_id) if isinstance(reserve_id, str) else None
        if found is None:
            raise SandboxError(404, "RC_NOT_FOUND", "예약 정보를 찾지 못했습니다.")
        return found

    def get_reservation(self, reserve_id: Any) -> dict[str, Any]:
        """``GET subscribe/payment/reserve/{id}``: the reserve object."""
        with self.lock:
            return copy.deepcopy(self._reservation(reserve_id))

    def cancel_reservation(self, reserve_id: Any) -> dict[str, Any]:
        """``DELETE subscribe/payment/reserve/{id}``: only a pending one (status 1 → 3)."""
        with self.lock:
            reservation = self._reservation(reserve_id)
            if reservation["status"] != RESERVE_RESERVED:
                raise SandboxError(
                    400,
                    "RC_RESERVE_NOT_CANCELLABLE",
                    f"취소할 수 없는 예약입니다. (status {reservation['status']})",
                )
            reservation["status"] = RESERVE_CANCELLED
            reservation["reserve_revoked_at"] = self.iso()
            return {"reserve_id": reservation["reserve_id"], "success": True}

    def execute_reservation(self, reserve_id: Any) -> dict[str, Any]:
        """Control: Bootpay runs the reservation now. ``{reservation, receipt, error}``: a paid receipt
        (status 2), or status 4 and the refusal when the key is gone or its card declines."""
        with self.lock:
            reservation = self._reservation(reserve_id)
            if reservation["status"] != RESERVE_RESERVED:
                raise _bad_request(
                    "only a pending reservation (status 1) can be executed, "
                    f"status is {reservation['status']}"
                )
            now_iso = self.iso()
            reservation["reserve_started_at"] = now_iso
            reservation["reserve_finished_at"] = now_iso
            record = self._billing_keys[self._reservation_keys[reservation["reserve_id"]]]
            receipt: dict[str, Any] | None = None
            error: dict[str, Any] | None = None
            if record["status"] != "active":
                error = {"error_code": "SUBSCRIBE_BK_EXPIRED", "message": "만료되었거나 삭제된 빌링키입니다."}
            elif record["decline"]:
                error = {"error_code": DECLINE_CODE, "message": DECLINE_MESSAGE}
            else:
                terms = {key: reservation[key] for key in ("order_id", "order_name", "price", "tax_free")}
                receipt = self._rebill_receipt(record, {**terms, "metadata": dict(reservation["metadata"])})
            reservation["status"] = RESERVE_FAILED if receipt is None else RESERVE_EXECUTED
            reservation["receipt_id"] = receipt["receipt_id"] if receipt else None
            return {
                "reservation": copy.deepcopy(reservation),
                "receipt": copy.deepcopy(receipt),
                "error": error,
            }

    def list_reservations(self) -> list[dict[str, Any]]:
        """Control view: the reserve objects, each with the hint of its key."""
        with self.lock:
            return [
                {
                    **copy.deepcopy(r),
                    "billing_key_hint": billing_key_hint(self._reservation_keys[r["reserve_id"]]),
                }
                for r in self._reservations.values()
            ]

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
