"""The only module that talks to Bootpay, and only through the official `bootpay-backend` SDK.

Services see the small `Gateway` protocol (receipt lookup, confirm, cancel, the escrow shipping
registration, and the billing-key calls of automatic payments) and take one as a
`gateway=` keyword, defaulting to the process-wide `get_gateway()`; tests and tasks may pass their
own (a fake, a wrapper counting calls) or swap the process-wide one with `set_gateway`.

What it adds on top of the SDK (which has no timeout and never looks at HTTP status):
- a hard per-call time limit (`BOOTPAY_TIMEOUT_S`) and pooled connections, by giving the SDK a
  transport that stands in for the `requests` module it calls (`install_transport`, applied when
  the first `BootpayGateway` is built, not when this module is imported);
- one access-token call per expiry window per process (legacy application_id/private_key auth);
- typed results (`Receipt`, `BillingKeyInfo`, `Reservation`) and typed failures: `GatewayUnavailable`
  when the outcome is unknown (timeout, connection error, 5xx, unreadable body), `GatewayError(code,
  message)` when Bootpay answered with a definite `error_code`;
- a shape check of every id the SDK puts into a URL path (receipt ids, billing keys, reserve ids), so a
  value such as `../cancel` never reaches it.
Keys never leave this module: they are not logged, not put in exceptions, not stored. Neither does a
buyer's billing key: it is only ever an argument of the SDK call, never in a log record, an exception,
a result's `raw` or a `repr`.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

import requests
from bootpay_backend import BootpayBackend
from bootpay_backend import rest_client as _sdk_module
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_date, parse_datetime

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Bootpay receipt ids are 24 hex chars; anything outside this set could rewrite the SDK's URL path.
RECEIPT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# Billing keys and reserve ids go into the SDK's URL paths as well (`billing_key/{key}`,
# `subscribe/payment/reserve/{id}`): Bootpay's are 24 hex chars; the same alphabet, a little more room.
BILLING_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
RESERVE_ID_PATTERN = RECEIPT_ID_PATTERN

# Bootpay server time: the offset its dates carry, and the one `reserve_execute_at` is sent with.
KST = timezone(timedelta(hours=9), "Asia/Seoul")


def is_receipt_id(value: Any) -> bool:
    """Whether `value` has the shape of a Bootpay receipt id: the one check every caller uses (the
    verify service, the webhook's hint, the gateway's own guard before the SDK builds a URL)."""
    return isinstance(value, str) and RECEIPT_ID_PATTERN.fullmatch(value) is not None


def is_billing_key(value: Any) -> bool:
    """Whether `value` has the shape of a Bootpay billing key (checked before the SDK builds a URL)."""
    return isinstance(value, str) and BILLING_KEY_PATTERN.fullmatch(value) is not None


TOKEN_ERROR_CODES = frozenset({"TOKEN_KEY_INVALID"})


class GatewayUnavailable(Exception):
    """Bootpay could not be reached or gave no usable answer: the outcome of the call is unknown."""

    def __init__(self, reason: str, *, status: int | None = None, code: str = ""):
        self.reason = reason
        self.status = status
        self.code = code
        super().__init__(f"Bootpay unavailable: {reason}" + (f" (HTTP {status})" if status else ""))


# Bootpay's codes for "the card company / bank timed out": the call may still have been applied there,
# so these are unknown outcomes (settled later with the same cancel_id), never definite refusals.
OUTCOME_UNKNOWN_CODES = frozenset({"RC_CANCEL_CRITICAL_ERROR", "RC_CONFIRM_CRITICAL_FAILED"})


class GatewayError(Exception):
    """Bootpay answered with a definite refusal (`error_code` body)."""

    def __init__(self, code: str, message: str = "", *, payload: dict[str, Any] | None = None):
        self.code = code
        self.message = message
        self.payload = payload or {}
        super().__init__(f"{code}: {message}")


# --- Typed results ---------------------------------------------------------------------------------


class ReceiptStatus:
    """Bootpay receipt `status` codes."""

    READY = 0
    PAID = 1
    AWAITING_CONFIRM = 2
    VBANK_ISSUED = 5
    CANCELLED = 20
    BILLING_KEY_ISSUED = 11


class ReservationStatus:
    """Reserve object `status` (Bootpay's meaning of the values is unconfirmed; the emulator's)."""

    RESERVED = 1
    EXECUTED = 2
    CANCELLED = 3
    FAILED = 4


def _without_billing_key(value: Any) -> Any:
    """`value` with every `billing_key` entry dropped, at any depth (what may be stored and logged)."""
    if isinstance(value, dict):
        return {key: _without_billing_key(item) for key, item in value.items() if key != "billing_key"}
    if isinstance(value, list):
        return [_without_billing_key(item) for item in value]
    return value


def _parse_moment(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:  # seen once: a date-only value
        moment = datetime(day.year, day.month, day.day)
    return moment


def _as_int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise GatewayUnavailable(f"receipt field {key!r} is not a number")
    try:
        number = float(value)
    except ValueError as exc:
        raise GatewayUnavailable(f"receipt field {key!r} is not a number") from exc
    if number != int(number):
        raise GatewayUnavailable(f"receipt field {key!r} is not whole won")
    return int(number)


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    order_id: str
    status: int
    status_locale: str
    price: int
    tax_free: int
    cancelled_price: int
    cancelled_tax_free: int
    currency: str
    method_symbol: str
    method: str
    pg: str
    sandbox: bool
    requested_at: datetime | None
    purchased_at: datetime | None
    cancelled_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)
    # An escrow payment (에스크로): `escrow_data` a non-empty object, or `escrow_status` set (null otherwise).
    escrow: bool = False
    # escrow_data.shipping_started_at: when Bootpay registered the shipment (None before, or not escrow).
    escrow_shipping_started_at: datetime | None = None

    @classmethod
    def from_payload(cls, payload: Any) -> Receipt:
        if not isinstance(payload, dict) or not payload.get("receipt_id") or "status" not in payload:
            raise GatewayUnavailable("response is not a receipt")
        try:
            status = int(payload["status"])
        except (TypeError, ValueError) as exc:
            raise GatewayUnavailable("receipt status is not a number") from exc
        escrow_data = payload.get("escrow_data")
        escrow_data = escrow_data if isinstance(escrow_data, dict) else {}
        return cls(
            receipt_id=str(payload["receipt_id"]),
            order_id=str(payload.get("order_id") or ""),
            status=status,
            status_locale=str(payload.get("status_locale") or ""),
            price=_as_int(payload, "price"),
            tax_free=_as_int(payload, "tax_free"),
            cancelled_price=_as_int(payload, "cancelled_price"),
            cancelled_tax_free=_as_int(payload, "cancelled_tax_free"),
            currency=str(payload.get("currency") or "KRW"),
            method_symbol=str(payload.get("method_symbol") or payload.get("method_origin_symbol") or ""),
            method=str(payload.get("method") or ""),
            pg=str(payload.get("pg") or ""),
            sandbox=bool(payload.get("sandbox")),
            requested_at=_parse_moment(payload.get("requested_at")),
            purchased_at=_parse_moment(payload.get("purchased_at")),
            cancelled_at=_parse_moment(payload.get("cancelled_at")),
            raw=payload,
            escrow=bool(escrow_data) or payload.get("escrow_status") not in (None, ""),
            escrow_shipping_started_at=_parse_moment(escrow_data.get("shipping_started_at")),
        )

    @property
    def remaining_price(self) -> int:
        return self.price - self.cancelled_price


@dataclass(frozen=True)
class RefundAccount:
    """Where a virtual-account (vbank) refund goes; Bootpay needs it to cancel a deposited vbank."""

    # The shape every transport accepts (REST serializer, GraphQL input): checked once, here.
    BANK_CODE_PATTERN = re.compile(r"^\d{3}$")
    BANK_ACCOUNT_PATTERN = re.compile(r"^[\d-]{6,30}$")
    BANK_USERNAME_MAX = 50

    bank_code: str
    bank_account: str
    bank_username: str

    def problems(self) -> dict[str, list[str]]:
        """Field → problems, empty when the account has a usable shape."""
        found: dict[str, list[str]] = {}
        if not self.BANK_CODE_PATTERN.match(self.bank_code):
            found["refund.bank_code"] = ["three digits, e.g. 004"]
        if not self.BANK_ACCOUNT_PATTERN.match(self.bank_account):
            found["refund.bank_account"] = ["6 to 30 digits or dashes"]
        if not 1 <= len(self.bank_username.strip()) <= self.BANK_USERNAME_MAX:
            found["refund.bank_username"] = [f"1 to {self.BANK_USERNAME_MAX} characters"]
        return found

    def as_payload(self) -> dict[str, str]:
        return {
            "bank_code": self.bank_code,
            "bank_account": self.bank_account,
            "bank_username": self.bank_username,
        }


@dataclass(frozen=True, repr=False)
class BillingKeyInfo:
    """Bootpay's billing object (status 11): what a billing-key issuance produced.

    `billing_key` is the only secret here: it is left out of `raw`, of `repr` and of `str`, so the
    object may be logged or kept as a whole; store the key itself encrypted.
    """

    billing_key: str
    receipt_id: str
    subscription_id: str
    card_company: str  # billing_data.card_company ("" if absent)
    card_number_masked: str  # billing_data.card_no, masked by Bootpay (e.g. "51234567****1234")
    status: int  # 11 = issued
    expires_at: datetime | None  # billing_expire_at
    raw: dict[str, Any] = field(compare=False)  # the payload without "billing_key"

    @classmethod
    def from_payload(cls, payload: Any) -> BillingKeyInfo:
        if not isinstance(payload, dict) or not payload.get("billing_key") or "status" not in payload:
            raise GatewayUnavailable("response is not a billing key")
        if not isinstance(payload["billing_key"], str):
            raise GatewayUnavailable("billing key is not a string")
        try:
            status = int(payload["status"])
        except (TypeError, ValueError) as exc:
            raise GatewayUnavailable("billing key status is not a number") from exc
        data = payload.get("billing_data")
        data = data if isinstance(data, dict) else {}
        return cls(
            billing_key=payload["billing_key"],
            receipt_id=str(payload.get("receipt_id") or ""),
            subscription_id=str(payload.get("subscription_id") or ""),
            card_company=str(data.get("card_company") or ""),
            card_number_masked=str(data.get("card_no") or ""),
            status=status,
            expires_at=_parse_moment(payload.get("billing_expire_at")),
            raw=_without_billing_key(payload),
        )

    @property
    def issued(self) -> bool:
        return self.status == ReceiptStatus.BILLING_KEY_ISSUED

    def __repr__(self) -> str:  # never the key
        return (
            f"BillingKeyInfo(receipt_id={self.receipt_id!r}, subscription_id={self.subscription_id!r}, "
            f"card_company={self.card_company!r}, card_number_masked={self.card_number_masked!r}, "
            f"status={self.status}, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class Reservation:
    """A charge Bootpay runs by itself at `execute_at` (the reserve object, or the reserve answer)."""

    reserve_id: str
    order_id: str
    price: int
    tax_free: int
    status: int  # ReservationStatus
    receipt_id: str  # "" until executed
    execute_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_payload(cls, payload: Any, **known: Any) -> Reservation:
        """From Bootpay's answer; `known` fills what a reserve answer leaves out (order_id, price…)."""
        if not isinstance(payload, dict) or not payload.get("reserve_id"):
            raise GatewayUnavailable("response is not a reservation")
        merged = {**known, **{key: value for key, value in payload.items() if value is not None}}
        try:
            status = int(merged.get("status", ReservationStatus.RESERVED))
        except (TypeError, ValueError) as exc:
            raise GatewayUnavailable("reservation status is not a number") from exc
        return cls(
            reserve_id=str(payload["reserve_id"]),
            order_id=str(merged.get("order_id") or ""),
            price=_as_int(merged, "price"),
            tax_free=_as_int(merged, "tax_free"),
            status=status,
            receipt_id=str(merged.get("receipt_id") or ""),
            execute_at=_parse_moment(merged.get("reserve_execute_at")),
            raw=_without_billing_key(payload),
        )


# --- Transport: bounded time, pooled connections ---------------------------------------------------

_call_timeout: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "bootpay_call_timeout", default=None
)


class _ServerFault(Exception):
    def __init__(self, status: int, code: str):
        self.status = status
        self.code = code


class BoundedTransport:
    """Stands in for the `requests` module inside the SDK, which calls `requests.get/post/...` with no
    timeout and ignores the status code. Outside a gateway call it behaves exactly like `requests`."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # Sessions pool connections but are not documented thread-safe: one per thread.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        timeout = _call_timeout.get()
        if timeout is None:
            return requests.request(method, url, **kwargs)
        # (connect, read): a hung server trips the read timeout after `timeout` seconds of silence.
        response = self._session().request(method, url, timeout=(timeout, timeout), **kwargs)
        if response.status_code >= 500:
            raise _ServerFault(response.status_code, _error_code_of(response))
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


# Bootpay's billing paths carry the billing key (`billing_key/{key}`, `subscribe/billing_key/{key}`), and
# urllib3 logs every request line at DEBUG: masked there, whatever level logging is configured at.
_KEY_IN_PATH = re.compile(r"(billing_key/)[^/?#\s]+")


def _mask_key_path(value: Any) -> Any:
    return _KEY_IN_PATH.sub(r"\1[REDACTED]", value) if isinstance(value, str) else value


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
def _bounded(timeout_s: float) -> Iterator[None]:
    token = _call_timeout.set(timeout_s)
    try:
        yield
    finally:
        _call_timeout.reset(token)


# --- Access-token cache ----------------------------------------------------------------------------


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


# --- The gateway -----------------------------------------------------------------------------------


class Gateway(Protocol):
    """What the payment services need from Bootpay; `BootpayGateway` is the real one.

    Each call returns its typed result or raises `GatewayError` (a definite refusal) or
    `GatewayUnavailable` (outcome unknown). A stand-in for tests implements all of them (those a test
    never reaches may raise NotImplementedError).
    """

    def lookup_receipt(self, receipt_id: str) -> Receipt: ...

    def confirm(self, receipt_id: str) -> Receipt: ...

    def cancel(
        self,
        *,
        receipt_id: str,
        cancel_id: str,
        reason: str,
        amount: int | None = None,
        tax_free: int | None = None,
        username: str = "",
        refund: RefundAccount | None = None,
    ) -> Receipt: ...

    # Escrow (에스크로): register the shipment of an escrow payment, once per receipt. RC_NOT_ESCROW for
    # any other receipt; a second registration is refused too (its code is unconfirmed).

    def shipping_start(
        self, *, receipt_id: str, courier: str, tracking_number: str, buyer_name: str, seller_name: str
    ) -> Receipt | None: ...

    # Automatic payments (billing keys). A definite refusal of a charge is a decline, except
    # SUBSCRIBE_BK_EXPIRED: the key is gone (destroyed or expired).

    def billing_key_for_receipt(self, receipt_id: str) -> BillingKeyInfo: ...

    def billing_key_lookup(self, billing_key: str) -> BillingKeyInfo: ...

    def charge_billing_key(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        buyer: dict[str, Any] | None = None,
    ) -> Receipt: ...

    def reserve_charge(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        execute_at: datetime,
    ) -> Reservation: ...

    def reservation_lookup(self, reserve_id: str) -> Reservation: ...

    def reservation_cancel(self, reserve_id: str) -> None: ...

    def billing_key_destroy(self, billing_key: str) -> None: ...


class BootpayGateway:
    def __init__(
        self,
        *,
        mode: str,
        api_url: str = "",
        application_id: str = "",
        private_key: str = "",
        client_key: str = "",
        secret_key: str = "",
        timeout_s: float = 10.0,
    ):
        if api_url:
            self._base_url = {**BootpayBackend.BASE_URL, "configured": api_url.rstrip("/")}
            self._sdk_mode = "configured"
        elif mode in BootpayBackend.BASE_URL:
            self._base_url = BootpayBackend.BASE_URL
            self._sdk_mode = mode
        else:
            raise ImproperlyConfigured(f"BOOTPAY_API_URL is required for BOOTPAY_MODE={mode!r}")
        self.uses_client_key = bool(client_key and secret_key)
        if not self.uses_client_key and not (application_id and private_key):
            raise ImproperlyConfigured("Bootpay needs CLIENT_KEY/SECRET_KEY or APPLICATION_ID/PRIVATE_KEY")
        self._application_id = application_id
        self._private_key = private_key
        self._client_key = client_key
        self._secret_key = secret_key
        self.timeout_s = timeout_s
        install_transport()  # the per-call time limit needs it; see install_transport
        # A digest, not the key: a different private key must not reuse another pair's token.
        key_digest = hashlib.sha256(f"{application_id}:{private_key}".encode()).hexdigest()
        self._token_key = (self._base_url[self._sdk_mode], key_digest)

    @property
    def api_base_url(self) -> str:
        """The Bootpay REST base URL this gateway calls (for the sandbox: the emulator's `…/v2`)."""
        return self._base_url[self._sdk_mode]

    @classmethod
    def from_settings(cls) -> BootpayGateway:
        return cls(
            mode=settings.BOOTPAY_MODE,
            api_url=settings.BOOTPAY_API_URL,
            application_id=settings.BOOTPAY_APPLICATION_ID,
            private_key=settings.BOOTPAY_PRIVATE_KEY,
            client_key=settings.BOOTPAY_CLIENT_KEY,
            secret_key=settings.BOOTPAY_SECRET_KEY,
            timeout_s=settings.BOOTPAY_TIMEOUT_S,
        )

    def __repr__(self) -> str:  # never the keys
        auth = "client_key" if self.uses_client_key else "application_id"
        return f"<BootpayGateway {self._base_url[self._sdk_mode]} auth={auth} timeout={self.timeout_s}s>"

    # Public operations ---------------------------------------------------------------------------

    def lookup_receipt(self, receipt_id: str) -> Receipt:
        _check_receipt_id(receipt_id)
        return Receipt.from_payload(self._call("receipt", lambda sdk: sdk.receipt_payment(receipt_id)))

    def confirm(self, receipt_id: str) -> Receipt:
        _check_receipt_id(receipt_id)
        return Receipt.from_payload(self._call("confirm", lambda sdk: sdk.confirm_payment(receipt_id)))

    def cancel(
        self,
        *,
        receipt_id: str,
        cancel_id: str,
        reason: str,
        amount: int | None = None,
        tax_free: int | None = None,
        username: str = "",
        refund: RefundAccount | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> Receipt:
        """Cancel `amount` won (None = everything left). Reusing `cancel_id` makes a retry safe at the PG."""
        _check_receipt_id(receipt_id)
        if not cancel_id:
            raise ValueError("cancel_id is required: it is what makes a retried cancel safe")
        # What we ask for, at DEBUG; the refund account is redacted by the log formatter (config/logs.py).
        logger.debug(
            "bootpay cancel %s",
            cancel_id,
            extra={"receipt_id": receipt_id, "amount": amount, "tax_free": tax_free, "refund": refund},
        )
        return Receipt.from_payload(
            self._call(
                "cancel",
                lambda sdk: sdk.cancel_payment(
                    receipt_id=receipt_id,
                    cancel_id=cancel_id,
                    cancel_username=username,
                    cancel_message=reason,
                    cancel_price=amount,
                    cancel_tax_free=tax_free,
                    refund=refund.as_payload() if refund else None,
                    items=items,
                ),
            )
        )

    def shipping_start(
        self, *, receipt_id: str, courier: str, tracking_number: str, buyer_name: str, seller_name: str
    ) -> Receipt | None:
        """Register an escrow payment's shipment (`PUT escrow/shipping/start/{receipt_id}`): `courier` is
        Bootpay's `delivery_corp`. The success answer's shape is unconfirmed (probably the receipt): any
        JSON object that is no refusal means registered, and None is returned when it is not a receipt."""
        _check_receipt_id(receipt_id)
        if not courier or not tracking_number:
            raise ValueError("courier and tracking_number are required")
        logger.debug("bootpay shipping start", extra={"receipt_id": receipt_id, "courier": courier})
        answer = self._call(
            "shipping_start",
            lambda sdk: sdk.shipping_start(
                receipt_id=receipt_id,
                tracking_number=tracking_number,
                delivery_corp=courier,
                user={"username": buyer_name},
                company={"name": seller_name},
            ),
        )
        return Receipt.from_payload(answer) if answer.get("receipt_id") and "status" in answer else None

    # Automatic payments ----------------------------------------------------------------------------
    # The billing key is an SDK argument only: `conceal=` keeps it out of the error a refusal raises
    # (message and payload) and `_send` keeps it out of the answer it logs.

    def billing_key_for_receipt(self, receipt_id: str) -> BillingKeyInfo:
        """The key a billing-key issuance (`requestSubscription`) produced; RC_NOT_SUBSCRIBE otherwise."""
        _check_receipt_id(receipt_id)
        return BillingKeyInfo.from_payload(
            self._call("billing_key_for_receipt", lambda sdk: sdk.lookup_subscribe_billing_key(receipt_id))
        )

    def billing_key_lookup(self, billing_key: str) -> BillingKeyInfo:
        _check_billing_key(billing_key)
        return BillingKeyInfo.from_payload(
            self._call(
                "billing_key_lookup",
                lambda sdk: sdk.lookup_billing_key(billing_key=billing_key),
                conceal=(billing_key,),
            )
        )

    def charge_billing_key(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        buyer: dict[str, Any] | None = None,
    ) -> Receipt:
        """Charge the key now (one attempt: Bootpay never retries it). The reply is the receipt,
        status 1 when approved; a timeout may hide a charge that happened (settle by its webhook)."""
        _check_billing_key(billing_key)
        _check_amounts(price, tax_free)
        logger.debug("bootpay charge %s", order_id, extra={"price": price, "tax_free": tax_free})
        body = self._call(
            "charge_billing_key",
            lambda sdk: sdk.request_subscribe_card_payment(
                billing_key=billing_key,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                order_id=order_id,
                user=dict(buyer) if buyer else None,
            ),
            conceal=(billing_key,),
        )
        return Receipt.from_payload(_without_billing_key(body))

    def reserve_charge(
        self,
        *,
        billing_key: str,
        order_id: str,
        order_name: str,
        price: int,
        tax_free: int,
        execute_at: datetime,
    ) -> Reservation:
        """Have Bootpay charge the key by itself at `execute_at` (at most 10 pending per key)."""
        _check_billing_key(billing_key)
        _check_amounts(price, tax_free)
        if execute_at.tzinfo is None or execute_at.utcoffset() is None:
            raise ValueError("execute_at must be timezone-aware")
        execute_at_kst = execute_at.astimezone(KST).isoformat(timespec="seconds")
        logger.debug("bootpay reserve %s at %s", order_id, execute_at_kst, extra={"price": price})
        body = self._call(
            "reserve_charge",
            lambda sdk: sdk.subscribe_payment_reserve(
                billing_key=billing_key,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                order_id=order_id,
                metadata={},  # the SDK's default is one shared dict: pass our own
                reserve_execute_at=execute_at_kst,
            ),
            conceal=(billing_key,),
        )
        return Reservation.from_payload(
            body,
            order_id=order_id,
            price=price,
            tax_free=tax_free,
            status=ReservationStatus.RESERVED,
            reserve_execute_at=execute_at_kst,
        )

    def reservation_lookup(self, reserve_id: str) -> Reservation:
        _check_reserve_id(reserve_id)
        return Reservation.from_payload(
            self._call("reservation_lookup", lambda sdk: sdk.subscribe_payment_reserve_lookup(reserve_id))
        )

    def reservation_cancel(self, reserve_id: str) -> None:
        """Revoke a pending reservation (RC_RESERVE_NOT_CANCELLABLE once executed or revoked)."""
        _check_reserve_id(reserve_id)
        body = self._call("reservation_cancel", lambda sdk: sdk.cancel_subscribe_reserve(reserve_id))
        if body.get("success") is False:  # no refusal code, yet not done: nothing we can rely on
            raise GatewayUnavailable("reservation cancel answered without success")

    def billing_key_destroy(self, billing_key: str) -> None:
        """Destroy the key at Bootpay. Its pending reservations stay: cancel them first."""
        _check_billing_key(billing_key)
        self._call(
            "billing_key_destroy",
            lambda sdk: sdk.destroy_billing_key(billing_key=billing_key),
            conceal=(billing_key,),
        )

    # Plumbing ------------------------------------------------------------------------------------

    def _new_sdk(self) -> BootpayBackend:
        sdk = BootpayBackend(
            application_id=self._application_id or None,
            private_key=self._private_key or None,
            client_key=self._client_key or None,
            secret_key=self._secret_key or None,
            mode=self._sdk_mode,
        )
        sdk.BASE_URL = self._base_url
        return sdk

    def _fetch_token(self) -> tuple[str, float]:
        body = self._send("request/token", lambda: self._new_sdk().get_access_token())
        if not body.get("access_token"):
            raise GatewayUnavailable("token response without access_token")
        return str(body["access_token"]), float(body.get("expire_in") or 0)

    def _authorised_sdk(self) -> BootpayBackend:
        sdk = self._new_sdk()
        if not self.uses_client_key:  # Basic auth needs no token call at all
            sdk.token = token_cache.get(self._token_key, self._fetch_token)
        return sdk

    def _call(
        self, operation: str, action: Callable[[BootpayBackend], Any], *, conceal: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        sdk = self._authorised_sdk()
        try:
            return self._send(operation, lambda: action(sdk), conceal=conceal)
        except GatewayError as exc:
            if exc.code not in TOKEN_ERROR_CODES or self.uses_client_key:
                raise
            # The PG dropped our token early; rejected at auth, so nothing happened: renew and retry once.
            token_cache.forget(self._token_key)
            sdk = self._authorised_sdk()
            return self._send(operation, lambda: action(sdk), conceal=conceal)

    def _send(
        self, operation: str, call: Callable[[], Any], *, conceal: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """One SDK call, bounded in time, its answer typed. `conceal`: values (a billing key) that must
        not reach the error raised for a refusal, should Bootpay echo them in its message."""
        started = time.monotonic()
        outcome = "ok"
        try:
            with _bounded(self.timeout_s):
                body = call()
            if not isinstance(body, dict):
                raise GatewayUnavailable("response body is not a JSON object")
            if body.get("error_code"):
                code = str(body["error_code"])
                if code in OUTCOME_UNKNOWN_CODES:
                    raise GatewayUnavailable(f"the PG behind Bootpay did not answer ({code})", code=code)
                refusal = _concealed(_without_billing_key(body), conceal)
                raise GatewayError(code, str(refusal.get("message") or ""), payload=refusal)
            # The answer (card and account data, tokens) at DEBUG: redacted by the formatter (config/logs.py);
            # a billing key is not even handed to the logger.
            logger.debug("bootpay %s answer", operation, extra={"answer": _without_billing_key(body)})
            return body
        except _ServerFault as exc:
            outcome = f"http_{exc.status}"
            raise GatewayUnavailable("server error", status=exc.status, code=exc.code) from None
        except requests.Timeout:
            outcome = "timeout"
            raise GatewayUnavailable(f"no answer within {self.timeout_s}s") from None
        except requests.ConnectionError:
            outcome = "connection_error"
            raise GatewayUnavailable("connection failed") from None
        except ValueError as exc:  # requests' JSONDecodeError: HTML error pages, truncated bodies
            outcome = "malformed"
            raise GatewayUnavailable("response is not JSON") from exc
        except requests.RequestException:
            outcome = "transport_error"
            raise GatewayUnavailable("transport error") from None
        except GatewayError as exc:
            outcome = exc.code
            raise
        except GatewayUnavailable as exc:
            outcome = exc.reason
            raise
        finally:
            logger.info("bootpay %s %s in %.0f ms", operation, outcome, (time.monotonic() - started) * 1000)


def _check_receipt_id(receipt_id: str) -> None:
    if not is_receipt_id(receipt_id):
        raise GatewayError("INVALID_RECEIPT_ID", "receipt_id has an unexpected format")


def _check_billing_key(billing_key: str) -> None:
    # The message never quotes the value: it is a billing key.
    if not is_billing_key(billing_key):
        raise GatewayError("INVALID_BILLING_KEY", "billing_key has an unexpected format")


def _check_reserve_id(reserve_id: str) -> None:
    if not (isinstance(reserve_id, str) and RESERVE_ID_PATTERN.fullmatch(reserve_id)):
        raise GatewayError("INVALID_RESERVE_ID", "reserve_id has an unexpected format")


def _check_amounts(price: int, tax_free: int) -> None:
    for name, value in (("price", price), ("tax_free", tax_free)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int (KRW)")
    if price <= 0 or not 0 <= tax_free <= price:
        raise ValueError("price must be positive and tax_free between 0 and price")


def _concealed(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with each of `secrets` replaced wherever it appears in a string, at any depth."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "[REDACTED]")
        return value
    if isinstance(value, dict):
        return {_concealed(key, secrets): _concealed(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_concealed(item, secrets) for item in value]
    return value


_gateway: Gateway | None = None
_gateway_lock = threading.Lock()


def get_gateway() -> Gateway:
    """The process-wide gateway, built from settings on first use (tests swap it with `set_gateway`)."""
    global _gateway
    with _gateway_lock:
        if _gateway is None:
            _gateway = BootpayGateway.from_settings()
        return _gateway


def set_gateway(gateway: Gateway | None) -> None:
    global _gateway
    with _gateway_lock:
        _gateway = gateway
