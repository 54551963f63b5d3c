"""The emulator's vocabulary: Bootpay's constants as the emulator plays them, its error, credentials,
faults, and the small parsers its state shares (no Django)."""

from __future__ import annotations

import hmac
import random
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
# What the emulator's `partial_cancel_methods` setting may list (pg_rules.py).
PARTIAL_CANCEL_FAMILIES = frozenset({"card", "bank", "vbank", "phone"})
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


def receipt_skeleton(
    *,
    receipt_id: str,
    order_id: str,
    order_name: str,
    price: int,
    tax_free: int,
    metadata: Any,
    pg: str,
    method: tuple[str, str],
    status: int,
    requested_at: str,
    purchased_at: str | None,
) -> dict[str, Any]:
    """The fields every receipt the emulator makes carries (CONTRACT §3), in Bootpay's order, nothing
    cancelled yet; the caller adds its method's data (`card_data`, `vbank_data`, `cash_receipt_data`…).
    `method`: (localized name, symbol)."""
    method_name, method_symbol = method
    return {
        "receipt_id": receipt_id,
        "order_id": order_id,
        "price": price,
        "tax_free": tax_free,
        "cancelled_price": 0,
        "cancelled_tax_free": 0,
        "order_name": order_name,
        "company_name": COMPANY_NAME,
        "gateway_url": GATEWAY_URL,
        "metadata": metadata,
        "sandbox": True,
        "pg": pg,
        "method": method_name,
        "method_origin": method_name,
        "method_symbol": method_symbol,
        "method_origin_symbol": method_symbol,
        "requested_at": requested_at,
        "purchased_at": purchased_at,
        "cancelled_at": None,
        "status": status,
        "status_locale": STATUS_LOCALE[status],
        "currency": "KRW",
        "receipt_url": RECEIPT_URL.format(receipt_id=receipt_id),
    }


def bad_request(message: str) -> SandboxError:
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
class IssuedToken:
    value: str
    application_id: str
    issued_at: float
    expires_at: float


def is_given(value: Any) -> bool:
    """Bootpay (and the SDK) treat null, "", {} and a missing key alike."""
    return value not in (None, "", {}, [])


def as_amount(value: Any, name: str, error_code: str = "INVALID_PARAMETER") -> int:
    """An integer KRW amount; integral floats are accepted (JSON clients send 1000.0 sometimes)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SandboxError(400, error_code, f"{name} must be a number")
    if isinstance(value, float) and not value.is_integer():
        raise SandboxError(400, error_code, f"{name} must be a whole number of KRW")
    return int(value)


def random_digits(n: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(n))


def as_text(value: Any, name: str, *, required: bool = True, max_length: int = 200) -> str:
    """A string field: null/"" count as missing (refused when ``required``)."""
    if not is_given(value):
        if required:
            raise bad_request(f"{name} is required")
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise bad_request(f"{name} must be a string of at most {max_length} characters")
    return value


def masked_card_number(card_number: Any) -> str:
    """``5123456789011234`` → ``51234567****1234``: the first 8 and last 4 digits, as Bootpay shows."""
    if not isinstance(card_number, str):
        raise bad_request("card_number must be a string of 13 to 19 digits")
    digits = card_number.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise bad_request("card_number must be a string of 13 to 19 digits")
    return digits[:8] + "*" * (len(digits) - 12) + digits[-4:]


def billing_key_hint(billing_key: str) -> str:
    """What may be shown of a billing key: its last four characters."""
    return f"…{billing_key[-4:]}"


def parse_execute_at(value: Any) -> datetime:
    """``reserve_execute_at``: ISO 8601 with an offset (``+09:00``, or ``+0900`` as the SDK README shows)."""
    if not isinstance(value, str) or not value:
        raise bad_request("reserve_execute_at is required (ISO 8601 with an offset)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            raise bad_request("reserve_execute_at must be ISO 8601 with an offset") from None
    if moment.tzinfo is None:
        raise bad_request("reserve_execute_at needs a UTC offset, e.g. +09:00")
    return moment
