"""An in-memory Bootpay for the billing services: the `Gateway` protocol (receipts, cancels, billing keys,
charges, reservations), thread-safe, with faults on demand and a record of every call."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from payments import gateway as bootpay
from payments.gateway import GatewayError, GatewayUnavailable, Receipt


@dataclass(frozen=True, repr=False)
class _BillingKeyInfo:
    billing_key: str
    receipt_id: str
    subscription_id: str
    card_company: str
    card_number_masked: str
    status: int
    expires_at: datetime | None
    raw: dict = field(compare=False)

    def __repr__(self) -> str:
        return f"BillingKeyInfo(receipt_id={self.receipt_id!r})"


@dataclass(frozen=True)
class _Reservation:
    reserve_id: str
    order_id: str
    price: int
    tax_free: int
    status: int
    receipt_id: str
    execute_at: datetime | None
    raw: dict = field(repr=False, compare=False)


# The gateway's own result types once it has them (contract A), else look-alikes with the same fields.
BillingKeyInfo = getattr(bootpay, "BillingKeyInfo", _BillingKeyInfo)
Reservation = getattr(bootpay, "Reservation", _Reservation)

RESERVED, EXECUTED, REVOKED, FAILED = 1, 2, 3, 4


def _id() -> str:
    return secrets.token_hex(12)


class FakeBootpay:
    """What Bootpay would do, in memory. `fault(method, mode)` makes the next call(s) of a method:
    `timeout` (not applied, GatewayUnavailable), `lost` (applied, then GatewayUnavailable: the answer
    was lost) or a `GatewayError` code (refused)."""

    def __init__(self, *, charge_delay_s: float = 0.0) -> None:
        self.lock = threading.RLock()
        self.charge_delay_s = charge_delay_s
        self.calls: list[str] = []
        self.keys: dict[str, dict[str, Any]] = {}  # billing_key -> state
        self.issuances: dict[str, str] = {}  # issuance receipt_id -> billing_key
        self.receipts: dict[str, dict[str, Any]] = {}
        self.reservations: dict[str, dict[str, Any]] = {}
        self.charged: list[str] = []  # order ids of the charges applied
        self._faults: dict[str, list[str]] = {}
        self._counter = itertools.count(1)

    # --- test helpers -------------------------------------------------------------------------------

    def fault(self, method: str, mode: str, times: int = 1) -> None:
        with self.lock:
            self._faults.setdefault(method, []).extend([mode] * times)

    def issue_key(
        self, subscription_id: str, *, decline: bool = False, card_no: str = "51234567****1234"
    ) -> str:
        """requestSubscription in the buyer's browser: a billing-key issuance receipt (status 11)."""
        with self.lock:
            receipt_id, key = _id(), f"bk-secret-{_id()}"
            self.issuances[receipt_id] = key
            self.keys[key] = {
                "receipt_id": receipt_id,
                "subscription_id": subscription_id,
                "card_no": card_no,
                "destroyed": False,
                "decline": decline,
            }
            return receipt_id

    def key_of(self, receipt_id: str) -> str:
        return self.issuances[receipt_id]

    def decline(self, billing_key: str, value: bool = True) -> None:
        with self.lock:
            self.keys[billing_key]["decline"] = value

    def pay_receipt(self, *, order_id: str, price: int, tax_free: int = 0) -> str:
        """A normal payment receipt (not a billing-key issuance)."""
        with self.lock:
            return self._new_receipt(order_id=order_id, price=price, tax_free=tax_free, name="x")[
                "receipt_id"
            ]

    def execute(self, reserve_id: str) -> dict[str, Any]:
        """Bootpay runs a reservation now: a paid receipt, or a failure when the key is gone or declines."""
        with self.lock:
            reservation = self.reservations[reserve_id]
            key = self.keys[reservation["billing_key"]]
            if key["destroyed"] or key["decline"]:
                reservation["status"] = FAILED
                return reservation
            receipt = self._new_receipt(
                order_id=reservation["order_id"],
                price=reservation["price"],
                tax_free=reservation["tax_free"],
                name=reservation["order_name"],
            )
            self.charged.append(reservation["order_id"])
            reservation.update(status=EXECUTED, receipt_id=receipt["receipt_id"])
            return reservation

    # --- plumbing ------------------------------------------------------------------------------------

    def _fault(self, method: str) -> str | None:
        with self.lock:
            self.calls.append(method)
            pending = self._faults.get(method)
            return pending.pop(0) if pending else None

    def _apply(self, method: str, action):
        mode = self._fault(method)
        if mode == "timeout":
            raise GatewayUnavailable("read timed out")
        if mode not in (None, "lost"):
            raise GatewayError(mode, "refused on purpose")
        result = action()
        if mode == "lost":
            raise GatewayUnavailable("connection closed without a response")
        return result

    def _new_receipt(self, *, order_id: str, price: int, tax_free: int, name: str) -> dict[str, Any]:
        receipt = {
            "receipt_id": _id(),
            "order_id": order_id,
            "order_name": name,
            "price": price,
            "tax_free": tax_free,
            "cancelled_price": 0,
            "cancelled_tax_free": 0,
            "currency": "KRW",
            "status": 1,
            "status_locale": "결제완료",
            "method_symbol": "card_rebill_rest",
            "method": "카드자동결제",
            "pg": "나이스페이",
            "sandbox": True,
            "requested_at": timezone.now().isoformat(),
            "purchased_at": timezone.now().isoformat(),
        }
        self.receipts[receipt["receipt_id"]] = receipt
        return receipt

    def _live_key(self, billing_key: str) -> dict[str, Any]:
        key = self.keys.get(billing_key)
        if key is None or key["destroyed"]:
            raise GatewayError("SUBSCRIBE_BK_EXPIRED", "빌링키가 만료되었습니다")
        return key

    def _info(self, billing_key: str) -> Any:
        key = self.keys[billing_key]
        raw = {"receipt_id": key["receipt_id"], "subscription_id": key["subscription_id"], "status": 11}
        return BillingKeyInfo(
            billing_key=billing_key,
            receipt_id=key["receipt_id"],
            subscription_id=key["subscription_id"],
            card_company="신한카드",
            card_number_masked=key["card_no"],
            status=11,
            expires_at=None,
            raw=raw,
        )

    def _reservation(self, data: dict[str, Any]) -> Any:
        return Reservation(
            reserve_id=data["reserve_id"],
            order_id=data["order_id"],
            price=data["price"],
            tax_free=data["tax_free"],
            status=data["status"],
            receipt_id=data.get("receipt_id", ""),
            execute_at=data["execute_at"],
            raw={k: v for k, v in data.items() if k != "billing_key"},
        )

    # --- the Gateway protocol ------------------------------------------------------------------------

    def lookup_receipt(self, receipt_id: str) -> Receipt:
        def action():
            with self.lock:
                if receipt_id not in self.receipts:
                    raise GatewayError("RC_NOT_FOUND", "no such receipt")
                return Receipt.from_payload(dict(self.receipts[receipt_id]))

        return self._apply("lookup_receipt", action)

    def confirm(self, receipt_id: str) -> Receipt:
        raise NotImplementedError

    def cancel(
        self, *, receipt_id: str, cancel_id: str, reason: str, amount=None, tax_free=None, **_
    ) -> Receipt:
        def action():
            with self.lock:
                receipt = self.receipts[receipt_id]
                amount_ = receipt["price"] - receipt["cancelled_price"] if amount is None else amount
                receipt["cancelled_price"] += amount_
                receipt["cancelled_tax_free"] += tax_free or 0
                if receipt["cancelled_price"] >= receipt["price"]:
                    receipt["status"] = 20
                receipt["cancelled_at"] = timezone.now().isoformat()
                return Receipt.from_payload(dict(receipt))

        return self._apply("cancel", action)

    def billing_key_for_receipt(self, receipt_id: str) -> Any:
        def action():
            with self.lock:
                if receipt_id in self.issuances:
                    return self._info(self.issuances[receipt_id])
                if receipt_id in self.receipts:
                    raise GatewayError("RC_NOT_SUBSCRIBE", "빌링키 발급 영수증이 아닙니다")
                raise GatewayError("RC_NOT_FOUND", "no such receipt")

        return self._apply("billing_key_for_receipt", action)

    def billing_key_lookup(self, billing_key: str) -> Any:
        def action():
            with self.lock:
                self._live_key(billing_key)
                return self._info(billing_key)

        return self._apply("billing_key_lookup", action)

    def charge_billing_key(
        self, *, billing_key, order_id, order_name, price, tax_free, buyer=None
    ) -> Receipt:
        def action():
            if self.charge_delay_s:
                time.sleep(self.charge_delay_s)
            with self.lock:
                key = self._live_key(billing_key)
                if key["decline"]:
                    raise GatewayError("RC_CARD_DECLINED", "카드 승인 거절")
                receipt = self._new_receipt(
                    order_id=order_id, price=price, tax_free=tax_free, name=order_name
                )
                self.charged.append(order_id)
                return Receipt.from_payload(dict(receipt))

        return self._apply("charge_billing_key", action)

    def reserve_charge(self, *, billing_key, order_id, order_name, price, tax_free, execute_at) -> Any:
        def action():
            with self.lock:
                self._live_key(billing_key)
                reserve_id = _id()
                data = {
                    "reserve_id": reserve_id,
                    "billing_key": billing_key,
                    "order_id": order_id,
                    "order_name": order_name,
                    "price": price,
                    "tax_free": tax_free,
                    "status": RESERVED,
                    "execute_at": execute_at,
                }
                self.reservations[reserve_id] = data
                return self._reservation(data)

        return self._apply("reserve_charge", action)

    def reservation_lookup(self, reserve_id: str) -> Any:
        def action():
            with self.lock:
                return self._reservation(self.reservations[reserve_id])

        return self._apply("reservation_lookup", action)

    def reservation_cancel(self, reserve_id: str) -> None:
        def action():
            with self.lock:
                data = self.reservations[reserve_id]
                if data["status"] != RESERVED:
                    raise GatewayError("RC_RESERVE_NOT_CANCELLABLE", "취소할 수 없는 예약입니다")
                data["status"] = REVOKED

        return self._apply("reservation_cancel", action)

    def billing_key_destroy(self, billing_key: str) -> None:
        def action():
            with self.lock:
                self._live_key(billing_key)["destroyed"] = True

        return self._apply("billing_key_destroy", action)
