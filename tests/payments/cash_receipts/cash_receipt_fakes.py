"""Bootpay's cash receipts in memory, over the emulator's payments: `CashReceiptBootpay` wraps the
emulator-backed gateway (receipts, verify, cancels go through the real SDK) and answers the four cash
receipt calls as the Bootpay contract describes them, with faults on demand and a record of each call.

Until the emulator's cash receipt paths are merged this is the Bootpay the service tests talk to."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from typing import Any

from django.utils import timezone

from payments.gateway import CashReceiptResult, GatewayError, GatewayUnavailable


class CashReceiptBootpay:
    def __init__(self, inner) -> None:
        self.inner = inner
        self.lock = threading.RLock()
        self.calls: list[str] = []
        self.identifiers_sent: list[str] = []
        # receipt_id -> {"amount", "tax_free", "live", "kind", "order_id"}
        self.receipts: dict[str, dict[str, Any]] = {}
        self.on_payment: dict[str, str] = {}  # payment receipt id -> its live cash receipt id
        self.by_order_id: dict[str, str] = {}
        self._faults: dict[str, list[str]] = {}
        self._ids = itertools.count(1)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    # --- test helpers --------------------------------------------------------------------------------

    def fault(self, method: str, mode: str, times: int = 1) -> None:
        """The next call(s) of `method`: `timeout` (not applied), `lost` (applied, answer lost), or a
        Bootpay error code (refused)."""
        with self.lock:
            self._faults.setdefault(method, []).extend([mode] * times)

    def live_total(self) -> int:
        return sum(r["amount"] for r in self.receipts.values() if r["live"])

    def live(self) -> list[dict[str, Any]]:
        return [r for r in self.receipts.values() if r["live"]]

    def _fault(self, method: str) -> str | None:
        with self.lock:
            self.calls.append(method)
            queue = self._faults.get(method)
            return queue.pop(0) if queue else None

    def _result(self, receipt_id: str, record: dict[str, Any]) -> CashReceiptResult:
        return CashReceiptResult(
            receipt_id=receipt_id,
            approval_no=record["tid"],
            price=record["amount"],
            tax_free=record["tax_free"],
            issued_at=timezone.now(),
            raw={"receipt_id": receipt_id, "cash_receipt_data": {"tid": record["tid"]}},
        )

    def _apply(self, method: str, action):
        mode = self._fault(method)
        if mode == "timeout":
            raise GatewayUnavailable("timeout")
        if mode not in (None, "lost"):
            raise GatewayError(mode, "refused")
        result = action()
        if mode == "lost":
            raise GatewayUnavailable("answer lost")
        return result

    # --- the gateway's cash receipt calls --------------------------------------------------------------

    def cash_receipt_publish(self, *, receipt_id, kind, identifier, buyer_name=""):
        def act():
            with self.lock:
                if receipt_id in self.on_payment:
                    raise GatewayError("RC_CASH_RECEIPT_ALREADY_PUBLISHED", "already")
                receipt = self.inner.lookup_receipt(receipt_id)
                if receipt.method_symbol not in ("vbank", "bank") or receipt.status != 1:
                    raise GatewayError("RC_CASH_RECEIPT_FAILED", "not applicable")
                self.identifiers_sent.append(identifier)
                record = {
                    "amount": receipt.price - receipt.cancelled_price,
                    "tax_free": receipt.tax_free - receipt.cancelled_tax_free,
                    "live": True,
                    "kind": "on_receipt",
                    "tid": f"CR{next(self._ids):06d}",
                    "type": kind,
                }
                self.receipts[receipt_id + "#cr"] = record
                self.on_payment[receipt_id] = receipt_id + "#cr"
                return self._result(receipt_id, record)

        return self._apply("cash_receipt_publish", act)

    def cash_receipt_cancel_on_payment(self, *, receipt_id, reason):
        def act():
            with self.lock:
                key = self.on_payment.pop(receipt_id, None)
                if key is None:
                    raise GatewayError("RC_CASH_RECEIPT_NOT_FOUND", "none")
                self.receipts[key]["live"] = False

        return self._apply("cash_receipt_cancel_on_payment", act)

    def cash_receipt_issue(self, *, order_id, order_name, kind, identifier, price, tax_free, purchased_at):
        def act():
            with self.lock:
                if order_id in self.by_order_id:  # idempotent per order_id
                    rid = self.by_order_id[order_id]
                    return self._result(rid, self.receipts[rid])
                rid = f"sa{next(self._ids):022d}"
                self.identifiers_sent.append(identifier)
                record = {
                    "amount": price,
                    "tax_free": tax_free,
                    "live": True,
                    "kind": "standalone",
                    "tid": f"CR{next(self._ids):06d}",
                    "order_id": order_id,
                    "type": kind,
                }
                self.receipts[rid] = record
                self.by_order_id[order_id] = rid
                return self._result(rid, record)

        return self._apply("cash_receipt_issue", act)

    def cash_receipt_cancel(self, *, receipt_id, reason):
        def act():
            with self.lock:
                record = self.receipts.get(receipt_id)
                if record is None:
                    raise GatewayError("RC_NOT_FOUND", "none")
                if not record["live"]:
                    raise GatewayError("RC_ALREADY_CANCELLED", "already")
                record["live"] = False

        return self._apply("cash_receipt_cancel", act)

    def lookup_receipt(self, receipt_id):
        receipt = self.inner.lookup_receipt(receipt_id)
        with self.lock:
            key = self.on_payment.get(receipt_id)
            if key is None:
                return receipt
            raw = dict(receipt.raw)
            raw["cash_receipt_data"] = {"tid": self.receipts[key]["tid"], "cash_receipt_type": 1}
        return dataclasses.replace(receipt, raw=raw)
