"""The gateway's value types: what the rest of the code sees of Bootpay (no SDK here).

Typed results (`Receipt`, `BillingKeyInfo`, `Reservation`), the refund account a cancel may carry, the two
typed failures (`GatewayUnavailable`: outcome unknown; `GatewayError`: a definite refusal), the id shape
checks, and the `Gateway` protocol services depend on. The client that fills them is in `client.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.dateparse import parse_date, parse_datetime

from payments.gateway.banks import (
    REFUND_ACCOUNT_RULE,
    REFUND_BANK_CODES,
    REFUND_BANK_UNKNOWN,
    account_number_digits,
    is_account_number,
)

if TYPE_CHECKING:
    from payments.gateway.cash_receipts import CashReceiptResult
    from payments.gateway.identity import Certificate

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


def without_keys(value: Any, keys: frozenset[str]) -> Any:
    """`value` with every entry named in `keys` dropped, at any depth."""
    if isinstance(value, dict):
        return {key: without_keys(item, keys) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [without_keys(item, keys) for item in value]
    return value


def without_billing_key(value: Any) -> Any:
    """`value` with every `billing_key` entry dropped, at any depth (what may be stored and logged)."""
    return without_keys(value, _BILLING_KEY)


_BILLING_KEY = frozenset({"billing_key"})


# The number a cash receipt was issued to (a phone, card or business number): personal data, never stored.
# Bootpay's receipts may carry it (`cash_receipt_data.cash_receipt_no`, `bank_data.cash_receipt_no`).
PERSONAL_IDENTIFIER_KEYS = frozenset({"cash_receipt_no", "identity_no"})


def without_personal_identifiers(value: Any) -> Any:
    """`value` with every cash-receipt number dropped, at any depth (what a receipt's `raw` may keep)."""
    return without_keys(value, PERSONAL_IDENTIFIER_KEYS)


def parse_moment(value: Any) -> datetime | None:
    """A Bootpay time (ISO 8601 with its +09:00 offset; once seen date-only), aware: a value without an
    offset is Bootpay's server time, KST (as Django read it when saved, with TIME_ZONE Asia/Seoul)."""
    if not value or not isinstance(value, str):
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:  # seen once: a date-only value
        moment = datetime(day.year, day.month, day.day)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
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
            requested_at=parse_moment(payload.get("requested_at")),
            purchased_at=parse_moment(payload.get("purchased_at")),
            cancelled_at=parse_moment(payload.get("cancelled_at")),
            raw=without_personal_identifiers(payload),
            escrow=bool(escrow_data) or payload.get("escrow_status") not in (None, ""),
            escrow_shipping_started_at=parse_moment(escrow_data.get("shipping_started_at")),
        )

    @property
    def remaining_price(self) -> int:
        return self.price - self.cancelled_price


@dataclass(frozen=True)
class RefundAccount:
    """Where a virtual-account (vbank) refund goes; Bootpay needs it to cancel a deposited vbank.

    Made from what a person typed: the account number keeps only its digits and the holder's name loses
    its surrounding spaces, so the account that is checked is the one stored and sent to Bootpay.
    """

    bank_code: str
    bank_account: str
    bank_username: str

    def __post_init__(self) -> None:
        for name, tidy in (
            ("bank_code", str.strip),
            ("bank_account", account_number_digits),
            ("bank_username", str.strip),
        ):
            if isinstance(value := getattr(self, name), str):
                object.__setattr__(self, name, tidy(value))  # frozen: set once, here

    def problems(self) -> dict[str, list[str]]:
        """Field → problems, empty when the account is one Bootpay can refund to. The one rule every
        transport applies (REST, GraphQL, the admin), and the one the checkout config describes."""
        rule = REFUND_ACCOUNT_RULE
        found: dict[str, list[str]] = {}
        if self.bank_code not in REFUND_BANK_CODES:
            found["refund.bank_code"] = [REFUND_BANK_UNKNOWN]
        if not is_account_number(self.bank_account):
            found["refund.bank_account"] = [
                f"{rule.min_digits} to {rule.max_digits} digits (hyphens and spaces are left out)"
            ]
        if not 1 <= len(self.bank_username) <= rule.holder_max_length:
            found["refund.bank_username"] = [f"1 to {rule.holder_max_length} characters"]
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
            expires_at=parse_moment(payload.get("billing_expire_at")),
            raw=without_billing_key(payload),
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
            execute_at=parse_moment(merged.get("reserve_execute_at")),
            raw=without_billing_key(payload),
        )


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

    # Cash receipts (현금영수증; gateway/cash_receipts.py). `kind`: income_deduction | expense_proof; the
    # identifier is personal data, never logged nor raised.

    def cash_receipt_publish(
        self, *, receipt_id: str, kind: str, identifier: str, buyer_name: str = ""
    ) -> CashReceiptResult: ...

    def cash_receipt_cancel_on_payment(self, *, receipt_id: str, reason: str) -> None: ...

    def cash_receipt_issue(
        self,
        *,
        order_id: str,
        order_name: str,
        kind: str,
        identifier: str,
        price: int,
        tax_free: int,
        purchased_at: datetime | None,
    ) -> CashReceiptResult: ...

    def cash_receipt_cancel(self, *, receipt_id: str, reason: str) -> None: ...

    # Identity verification (본인인증; gateway/identity.py).

    def certificate(self, receipt_id: str) -> Certificate: ...

    def authentication_request(
        self,
        *,
        authentication_id: str,
        pg: str,
        username: str,
        identity_no: str,
        carrier: str,
        phone: str,
        order_name: str,
    ) -> Certificate: ...

    def authentication_confirm(self, *, receipt_id: str, otp: str) -> Certificate: ...

    def authentication_realarm(self, receipt_id: str) -> Certificate: ...
