"""Receipts of the emulator: creation (the payment window's outcome), confirm, deposit, expiry, cancels
and the escrow shipment registration."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from payments.sandbox.common import (
    COMPANY_NAME,
    ESCROW_ALREADY_STARTED_CODE,
    ESCROW_NOT_ESCROW_CODE,
    ESCROW_NOT_PAID_CODE,
    ESCROW_SHIPPING,
    ESCROW_WAITING,
    METHODS,
    PARTIAL_CANCEL_LOCALE,
    RECEIPT_STATES,
    RECEIPT_URL,
    SHIPPING_BODY_FIELDS,
    STATUS_AWAITING_CONFIRM,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_LOCALE,
    STATUS_PAID,
    STATUS_VBANK_ISSUED,
    SandboxError,
    as_amount,
    as_text,
    bad_request,
    is_given,
    random_digits,
    receipt_skeleton,
)
from payments.sandbox.pg_rules import pg_cancel_refusal


class ReceiptsState:
    """SandboxState's receipts; every public method takes the state lock (see state.py)."""

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
        pg: str | None = None,
    ) -> dict[str, Any]:
        """Create a receipt as if a buyer went through the payment window.

        ``state``: paid (1), awaiting_confirm (2), vbank_issued (5, method vbank) or failed (-2).
        ``method``: card (default), vbank, bank or phone. ``escrow``: an escrow payment (its receipt
        carries ``escrow_data`` and ``escrow_status``; null on every other receipt). ``pg``: the PG's
        display name the receipt carries (default per method, e.g. 나이스페이먼츠); cancels follow its rules.
        """
        if pg is not None and (not isinstance(pg, str) or not pg.strip() or len(pg) > 60):
            raise bad_request("pg must be a PG's name, 1 to 60 characters")
        if not isinstance(escrow, bool):
            raise bad_request("escrow must be true or false")
        if not isinstance(order_id, str) or not order_id:
            raise bad_request("order_id must be a non-empty string")
        price = as_amount(price, "price")
        tax_free = as_amount(0 if tax_free is None else tax_free, "tax_free")
        if price <= 0:
            raise bad_request("price must be positive")
        if not 0 <= tax_free <= price:
            raise bad_request("tax_free must be between 0 and price")
        if state not in RECEIPT_STATES:
            raise bad_request(f"state must be one of {', '.join(RECEIPT_STATES)}")
        if method is None:
            method = "vbank" if state == "vbank_issued" else "card"
        if method not in METHODS:
            raise bad_request(f"method must be one of {', '.join(METHODS)}")
        if state == "vbank_issued" and method != "vbank":
            raise bad_request("state vbank_issued requires method vbank")
        if state == "awaiting_confirm" and method == "vbank":
            raise bad_request("a vbank payment cannot await confirmation; use vbank_issued")
        if not isinstance(order_name, str) or not order_name:
            raise bad_request("order_name must be a non-empty string")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad_request("metadata must be an object")

        with self.lock:
            receipt_id = secrets.token_hex(12)
            while receipt_id in self._receipts:
                receipt_id = secrets.token_hex(12)
            now = self.now()
            status = RECEIPT_STATES[state]
            method_name, pg_name, data_key = METHODS[method]
            receipt = receipt_skeleton(
                receipt_id=receipt_id,
                order_id=order_id,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                metadata=dict(metadata or {}),
                pg=pg or pg_name,
                method=(method_name, method),
                status=status,
                requested_at=self.iso(now),
                purchased_at=self.iso(now) if status == STATUS_PAID else None,
            )
            receipt[data_key] = self._method_data(method, receipt_id, now)
            receipt["escrow_status"] = receipt["escrow_status_locale"] = None
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
        tid = f"sandbox{random_digits(13)}"
        receipt_url = RECEIPT_URL.format(receipt_id=receipt_id)
        if method == "card":
            return {
                "tid": tid,
                "card_approve_no": random_digits(8),
                "card_no": f"5365{random_digits(4)}****{random_digits(4)}",
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
                "bank_account": random_digits(14),
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
                "bank_account": f"110****{random_digits(5)}",
                "bank_username": "홍길동",
                "cash_receipt_tid": None,
                "cash_receipt_type": None,
                "cash_receipt_no": None,
                "receipt_url": receipt_url,
            }
        return {
            "tid": tid,
            "auth_no": random_digits(6),
            "phone": f"010****{random_digits(4)}",
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
                raise bad_request(
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
                raise bad_request(
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

        cancel_id = cancel_id if is_given(cancel_id) else None
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
                if not is_given(cancel_price)
                else as_amount(cancel_price, "cancel_price", "RC_CANCEL_SERVER_ERROR")
            )
            if price <= 0:
                raise refused("취소 금액은 0보다 커야 합니다.")
            if price > remaining:
                raise refused(f"취소 금액({price})이 취소 가능 금액({remaining})보다 큽니다.")
            if uncharged and price != remaining:
                raise refused("결제되지 않은 거래(입금 전 가상계좌, 승인 대기)는 부분취소할 수 없습니다.")

            remaining_tax_free = receipt["tax_free"] - receipt["cancelled_tax_free"]
            if is_given(cancel_tax_free):
                tax_free = as_amount(cancel_tax_free, "cancel_tax_free", "RC_CANCEL_SERVER_ERROR")
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
                is_given(refund.get(key)) for key in ("bank_account", "bank_username", "bank_code")
            )
            if receipt["method_symbol"] == "vbank" and not uncharged and not refund_ok:
                raise refused(
                    "가상계좌 환불에는 환불 계좌 정보(refund: bank_account, bank_username, "
                    "bank_code)가 필요합니다."
                )

            # what the receipt's PG takes, once the request itself is well-formed
            partial = price < receipt["price"]
            if not uncharged and (refusal := pg_cancel_refusal(self, receipt, partial=partial)):
                raise refused(refusal)

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
                    "cancel_username": cancel_username if is_given(cancel_username) else None,
                    "cancel_message": cancel_message if is_given(cancel_message) else None,
                    "refund": copy.deepcopy(refund) if is_given(refund) else None,
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
            raise bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        tracking_number = as_text(fields.get("tracking_number"), "tracking_number", max_length=40)
        delivery_corp = as_text(fields.get("delivery_corp"), "delivery_corp", max_length=40)
        for name in ("user", "company"):
            if fields.get(name) is not None and not isinstance(fields[name], dict):
                raise bad_request(f"{name} must be an object")
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
                raise bad_request("status must be an integer")
            receipt["status"] = status
            locale = STATUS_LOCALE.get(status, receipt["status_locale"])
            if status == STATUS_CANCELLED and receipt["cancelled_price"] < receipt["price"]:
                locale = PARTIAL_CANCEL_LOCALE
            receipt["status_locale"] = locale
        return receipt
