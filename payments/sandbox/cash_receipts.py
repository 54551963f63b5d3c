"""Cash receipts (현금영수증) in the emulator: issued on a payment receipt, or stand-alone (별건).

Bootpay facts (bootpay/backend-nodejs ``src/bootpay.ts``): ``POST request/receipt/cash/publish`` answers the
payment's receipt, ``DELETE request/receipt/cash/cancel/{receipt_id}`` answers ``null``, ``POST
request/cash/receipt`` and ``DELETE request/cash/receipt/{receipt_id}`` answer a receipt object of their
own; ``cash_receipt_type`` is '소득공제' or '지출증빙'.

Everything else is the emulator's choice (*ours*, written down in docs/sandbox.md, "Cash receipts"):

- Publish needs a cash-like payment (``method_symbol`` vbank or bank) that holds money (status 1, or 20
  with ``price - cancelled_price > 0``) and issues for what it holds now; one live on-receipt cash receipt
  per payment (``RC_CASH_RECEIPT_ALREADY_PUBLISHED``); after a cancel it can be published again.
- ``identity_no`` is, once '-' is removed, 10 or 11 digits (a mobile phone; a business registration
  number is 10) or 13-19 digits (a cash receipt card), the lengths the backend accepts; every refusal of
  a bad body or a payment that cannot have one is 400 ``RC_CASH_RECEIPT_FAILED``.
- The identifier is never answered in full: ``cash_receipt_no`` shows only its last 4 digits
  (``*******5678``); the emulator keeps a hash of it, not the number.
- The payment receipt's ``cash_receipt_data`` {tid (9 digits), cash_receipt_type (1 소득공제, 2 지출증빙),
  cash_receipt_no, receipt_url} and ``bank_data``/``vbank_data`` ``cash_receipt_tid/_type/_no`` describe
  the last one issued; cancelling it adds ``cash_receipt_data.cancelled_at`` and keeps the rest.
- Cancel on a payment with no live cash receipt: 400 ``RC_CASH_RECEIPT_NOT_FOUND``.
- Partial or full cancels of the payment (``POST /v2/cancel``) leave its cash receipt as issued.
- A stand-alone receipt: ``method_symbol`` ``cash_receipt``, status 1, cancelled by its own id (status
  20, ``cancelled_price = price``; again: ``RC_ALREADY_CANCELLED``). A payment receipt's id on that path is
  400 ``RC_CASH_RECEIPT_NOT_FOUND`` (not a stand-alone cash receipt), an unknown id 404 ``RC_NOT_FOUND``.
- The same ``order_id`` while its stand-alone receipt is live answers that same receipt (the retry of a
  lost answer) when price, tax_free, type and identifier match, else ``RC_CASH_RECEIPT_FAILED``; once it
  is cancelled the order_id issues a new one.
- Stand-alone receipts belong to a payment by convention: ``order_id`` ``<payment order_id>-cr<N>``
  (what ``GET /_sandbox/cash-receipts?order_id=`` filters on). No webhooks are sent for cash receipts.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime
from typing import Any

from payments.sandbox.common import (
    KST,
    STATUS_CANCELLED,
    STATUS_LOCALE,
    STATUS_PAID,
    SandboxError,
    is_given,
    random_digits,
    receipt_skeleton,
)

CASH_RECEIPT_FAILED = "RC_CASH_RECEIPT_FAILED"
CASH_RECEIPT_ALREADY_PUBLISHED = "RC_CASH_RECEIPT_ALREADY_PUBLISHED"  # ours
CASH_RECEIPT_NOT_FOUND = "RC_CASH_RECEIPT_NOT_FOUND"  # ours
CASH_RECEIPT_TYPES = {"소득공제": 1, "지출증빙": 2}
CASH_LIKE_METHODS = ("vbank", "bank")
CASH_RECEIPT_METHOD = ("현금영수증", "cash_receipt")  # ours
CASH_RECEIPT_PG = "나이스페이먼츠"
CASH_RECEIPT_URL = "https://door.bootpay.co.kr/receipt/cash/{tid}"  # ours
PUBLISH_BODY_FIELDS = frozenset(
    {"receipt_id", "username", "email", "phone", "identity_no", "cash_receipt_type", "currency"}
)
ISSUE_BODY_FIELDS = frozenset(
    {
        "pg",
        "order_id",
        "order_name",
        "identity_no",
        "purchased_at",
        "cash_receipt_type",
        "price",
        "tax_free",
        "user",
        "metadata",
        "extra",
    }
)
CANCEL_QUERY_FIELDS = frozenset({"cancel_username", "cancel_message"})
STANDALONE_ORDER_SUFFIX = "-cr"  # <payment order_id>-cr<N>


def _failed(message: str) -> SandboxError:
    return SandboxError(400, CASH_RECEIPT_FAILED, message)


# Phone 10-11 digits (business registration number 10), cash receipt card 13-19: what the backend's
# identifiers take (payments/cash_receipts/identifiers.py; tests/payments/sandbox pins the two together).
IDENTITY_NO_LENGTHS = frozenset({10, 11, *range(13, 20)})


def _checked_fields(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise SandboxError(400, "INVALID_PARAMETER", f"unknown field(s): {', '.join(sorted(unknown))}")


def _identity(value: Any) -> tuple[str, str]:
    """(masked number, hash) of ``identity_no``; the number itself is never kept nor quoted."""
    digits = value.replace("-", "") if isinstance(value, str) else ""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in IDENTITY_NO_LENGTHS:
        raise _failed("identity_no는 휴대전화·사업자등록번호(10~11자리) 또는 카드번호(13~19자리)여야 합니다.")
    masked = "*" * (len(digits) - 4) + digits[-4:]
    return masked, hashlib.sha256(digits.encode()).hexdigest()


def _type_code(value: Any) -> int:
    if value not in CASH_RECEIPT_TYPES:
        raise _failed("cash_receipt_type은 '소득공제' 또는 '지출증빙'이어야 합니다.")
    return CASH_RECEIPT_TYPES[value]


def _amount(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise _failed(f"{name}은(는) 정수여야 합니다.")
    return int(value)


def _linked(order_id: str, payment_order_id: str) -> bool:
    """A stand-alone receipt's order_id belongs to a payment's: equal, or ``<it>-cr<N>``."""
    return order_id == payment_order_id or order_id.startswith(payment_order_id + STANDALONE_ORDER_SUFFIX)


class CashReceiptsState:
    """SandboxState's cash receipts; every public method takes the state lock (see state.py).

    ``_cash_records`` (control view, in issue order, both kinds) and ``_cash_standalone`` (receipt id ->
    stand-alone receipt object) are reset with the rest of the state.
    """

    def _new_cash_data(self, type_code: int, masked: str) -> dict[str, Any]:
        tid = random_digits(9)
        return {
            "tid": tid,
            "cash_receipt_type": type_code,
            "cash_receipt_no": masked,
            "receipt_url": CASH_RECEIPT_URL.format(tid=tid),
        }

    def _record(self, kind: str, receipt: dict[str, Any], data: dict[str, Any], **fields: Any) -> None:
        self._cash_records.append(
            {
                "receipt_id": receipt["receipt_id"],
                "kind": kind,
                "payment_receipt_id": receipt["receipt_id"] if kind == "on_receipt" else None,
                "order_id": receipt["order_id"],
                "cash_receipt_type": data["cash_receipt_type"],
                "identifier_last4": data["cash_receipt_no"][-4:],
                "status": "live",
                "issued_at": self.iso(),
                "cancelled_at": None,
                "tid": data["tid"],
                **fields,
            }
        )

    def _live_record(self, kind: str, receipt_id: str) -> dict[str, Any] | None:
        for record in reversed(self._cash_records):
            if record["kind"] == kind and record["receipt_id"] == receipt_id and record["status"] == "live":
                return record
        return None

    # ----- on a payment receipt ----------------------------------------------------------------------

    def cash_receipt_publish(self, receipt_id: Any = None, **fields: Any) -> dict[str, Any]:
        """``POST /v2/request/receipt/cash/publish``: the payment receipt, its cash receipt filled in."""
        _checked_fields(fields, PUBLISH_BODY_FIELDS - {"receipt_id"})
        with self.lock:
            receipt = self._get(receipt_id)
            masked, _ = _identity(fields.get("identity_no"))
            type_code = _type_code(fields.get("cash_receipt_type"))
            if is_given(fields.get("currency")) and fields["currency"] != "KRW":
                raise _failed("currency는 KRW만 지원합니다.")
            if receipt["method_symbol"] not in CASH_LIKE_METHODS:
                raise _failed("현금성 결제(가상계좌, 계좌이체)만 현금영수증을 발행할 수 있습니다.")
            held = receipt["price"] - receipt["cancelled_price"]
            if receipt["status"] not in (STATUS_PAID, STATUS_CANCELLED) or held <= 0:
                raise _failed(f"현금영수증을 발행할 수 없는 상태입니다. (status {receipt['status']})")
            if self._live_record("on_receipt", receipt_id) is not None:
                raise SandboxError(
                    400, CASH_RECEIPT_ALREADY_PUBLISHED, "이미 현금영수증이 발행된 결제입니다."
                )
            data = self._new_cash_data(type_code, masked)
            receipt["cash_receipt_data"] = data
            bank = receipt.get("bank_data") or receipt.get("vbank_data")
            bank["cash_receipt_tid"] = data["tid"]
            bank["cash_receipt_type"] = type_code
            bank["cash_receipt_no"] = masked
            self._record(
                "on_receipt",
                receipt,
                data,
                price=held,
                tax_free=max(receipt["tax_free"] - receipt["cancelled_tax_free"], 0),
            )
            return copy.deepcopy(receipt)

    def cash_receipt_cancel_on_receipt(self, receipt_id: str, **query: Any) -> None:
        """``DELETE /v2/request/receipt/cash/cancel/{receipt_id}``: cancel its live cash receipt (null)."""
        _checked_fields(query, CANCEL_QUERY_FIELDS)
        with self.lock:
            receipt = self._get(receipt_id)
            record = self._live_record("on_receipt", receipt_id)
            if record is None:
                raise SandboxError(400, CASH_RECEIPT_NOT_FOUND, "발행된 현금영수증이 없습니다.")
            now = self.iso()
            record["status"], record["cancelled_at"] = "cancelled", now
            receipt["cash_receipt_data"]["cancelled_at"] = now
            return None

    # ----- stand-alone (별건) --------------------------------------------------------------------------

    def cash_receipt_issue(self, **fields: Any) -> dict[str, Any]:
        """``POST /v2/request/cash/receipt``: a stand-alone cash receipt (a receipt object of its own)."""
        _checked_fields(fields, ISSUE_BODY_FIELDS)
        order_id = fields.get("order_id")
        if not isinstance(order_id, str) or not order_id:
            raise _failed("order_id는 필수입니다.")
        order_name = fields.get("order_name") if is_given(fields.get("order_name")) else "현금영수증"
        if not isinstance(order_name, str):
            raise _failed("order_name은 문자열이어야 합니다.")
        price = _amount(fields.get("price"), "price")
        tax_free = _amount(fields.get("tax_free") if is_given(fields.get("tax_free")) else 0, "tax_free")
        if price <= 0 or not 0 <= tax_free <= price:
            raise _failed("price는 0보다 크고 tax_free는 0 이상 price 이하여야 합니다.")
        masked, identity_hash = _identity(fields.get("identity_no"))
        type_code = _type_code(fields.get("cash_receipt_type"))
        metadata = fields.get("metadata")
        if is_given(metadata) and not isinstance(metadata, dict):
            raise _failed("metadata는 객체여야 합니다.")
        fingerprint = (price, tax_free, type_code, identity_hash)
        with self.lock:
            purchased_at = self._purchased_at(fields.get("purchased_at"))
            for record in self._cash_records:
                if (
                    record["kind"] == "standalone"
                    and record["order_id"] == order_id
                    and record["status"] == "live"
                ):
                    if self._cash_fingerprints[record["receipt_id"]] != fingerprint:
                        raise _failed("같은 order_id로 다른 내용의 현금영수증이 이미 발행되었습니다.")
                    return copy.deepcopy(self._cash_standalone[record["receipt_id"]])
            receipt_id = self._new_receipt_id()
            while receipt_id in self._cash_standalone:
                receipt_id = self._new_receipt_id()
            data = self._new_cash_data(type_code, masked)
            receipt = receipt_skeleton(
                receipt_id=receipt_id,
                order_id=order_id,
                order_name=order_name,
                price=price,
                tax_free=tax_free,
                metadata=dict(metadata or {}),
                pg=CASH_RECEIPT_PG,
                method=CASH_RECEIPT_METHOD,
                status=STATUS_PAID,
                requested_at=self.iso(),
                purchased_at=purchased_at,
            )
            receipt["cash_receipt_data"] = data
            self._cash_standalone[receipt_id] = receipt
            self._cash_fingerprints[receipt_id] = fingerprint
            self._record("standalone", receipt, data, price=price, tax_free=tax_free)
            return copy.deepcopy(receipt)

    def _purchased_at(self, value: Any) -> str:
        """``purchased_at`` as sent (ISO 8601; no offset = KST), shown in +09:00; empty: now."""
        if not is_given(value):
            return self.iso()
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise _failed("purchased_at은 ISO 8601 형식이어야 합니다.")
        moment = moment.replace(tzinfo=KST) if moment.tzinfo is None else moment
        return moment.astimezone(KST).isoformat(timespec="seconds")

    def cash_receipt_cancel(self, receipt_id: str, **query: Any) -> dict[str, Any]:
        """``DELETE /v2/request/cash/receipt/{receipt_id}``: cancel a stand-alone receipt; answers it."""
        _checked_fields(query, CANCEL_QUERY_FIELDS)
        with self.lock:
            receipt = self._cash_standalone.get(receipt_id)
            if receipt is None:
                self._get(receipt_id)  # RC_NOT_FOUND for an unknown id
                raise SandboxError(400, CASH_RECEIPT_NOT_FOUND, "별건 현금영수증이 아닙니다.")
            if receipt["status"] == STATUS_CANCELLED:
                raise SandboxError(400, "RC_ALREADY_CANCELLED", "이미 취소된 현금영수증입니다.")
            now = self.iso()
            receipt["status"], receipt["status_locale"] = STATUS_CANCELLED, STATUS_LOCALE[STATUS_CANCELLED]
            receipt["cancelled_price"], receipt["cancelled_tax_free"] = receipt["price"], receipt["tax_free"]
            receipt["cancelled_at"] = receipt["cash_receipt_data"]["cancelled_at"] = now
            record = self._live_record("standalone", receipt_id)
            if record is not None:
                record["status"], record["cancelled_at"] = "cancelled", now
            return copy.deepcopy(receipt)

    def get_receipt(self, receipt_id: str) -> dict[str, Any]:
        """``GET /v2/receipt/{id}`` finds stand-alone cash receipts too (then payment receipts)."""
        with self.lock:
            found = self._cash_standalone.get(receipt_id) if isinstance(receipt_id, str) else None
            if found is not None:
                return copy.deepcopy(found)
            return super().get_receipt(receipt_id)

    # ----- control view ------------------------------------------------------------------------------

    def list_cash_receipts(
        self, order_id: str | None = None, receipt_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every cash receipt held, both kinds, in issue order; ``order_id``: those of that order's
        payments plus the stand-alone ones linked by order_id (``X`` or ``X-cr<N>``); ``receipt_id`` (a
        payment's): its on-receipt ones plus the stand-alone ones linked to its order_id."""
        with self.lock:
            payment_ids: set[str] | None = None
            if receipt_id is not None:
                order_id = self._get(receipt_id)["order_id"] if order_id is None else order_id
                payment_ids = {receipt_id}
            chosen = []
            for record in self._cash_records:
                if order_id is not None:
                    if record["kind"] == "standalone" and not _linked(record["order_id"], order_id):
                        continue
                    if record["kind"] == "on_receipt" and record["order_id"] != order_id:
                        continue
                if (
                    payment_ids is not None
                    and record["kind"] == "on_receipt"
                    and record["payment_receipt_id"] not in payment_ids
                ):
                    continue
                chosen.append(copy.deepcopy(record))
            return chosen
