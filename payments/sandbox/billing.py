"""Automatic payments in the emulator: billing keys, charges with a key, reservations."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from payments.sandbox.common import (
    BILLING_KEY_LIFETIME_DAYS,
    BILLING_METHOD,
    BILLING_PG,
    CARD_COMPANY_CODES,
    DECLINE_CODE,
    DECLINE_MESSAGE,
    DEFAULT_CARD_COMPANY,
    DEFAULT_CARD_NUMBER,
    GATEWAY_URL,
    MAX_PENDING_RESERVATIONS,
    REBILL_METHOD,
    RESERVE_CANCELLED,
    RESERVE_EXECUTED,
    RESERVE_FAILED,
    RESERVE_RESERVED,
    STATUS_BILLING_KEY_ISSUED,
    STATUS_LOCALE,
    STATUS_PAID,
    SandboxError,
    as_amount,
    as_text,
    bad_request,
    billing_key_hint,
    is_given,
    masked_card_number,
    parse_execute_at,
    random_digits,
    receipt_skeleton,
)


class BillingState:
    """SandboxState's billing keys, charges and reservations; every public method takes the state lock."""

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
        subscription_id = as_text(subscription_id, "subscription_id", max_length=100)
        card_company = as_text(card_company, "card_company", required=False, max_length=20)
        card_company = card_company or DEFAULT_CARD_COMPANY
        card_no = masked_card_number(DEFAULT_CARD_NUMBER if card_number is None else card_number)
        if not isinstance(decline, bool):
            raise bad_request("decline must be true or false")
        with self.lock:
            receipt_id = self._new_receipt_id()
            billing_key = secrets.token_hex(12)
            while billing_key in self._billing_keys:
                billing_key = secrets.token_hex(12)
            now = self.now()
            self._receipts[receipt_id] = {
                **receipt_skeleton(
                    receipt_id=receipt_id,
                    order_id=subscription_id,  # requestSubscription names it subscription_id
                    order_name="정기결제 카드 등록",
                    price=0,
                    tax_free=0,
                    metadata={},
                    pg=BILLING_PG,
                    method=BILLING_METHOD,
                    status=STATUS_BILLING_KEY_ISSUED,
                    requested_at=self.iso(now),
                    purchased_at=None,
                ),
                "subscription_id": subscription_id,
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
            raise bad_request("decline must be true or false")
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
        order_id = as_text(order_id, "order_id")
        order_name = as_text(order_name, "order_name")
        price = as_amount(price, "price")
        tax_free = as_amount(0 if tax_free in (None, "") else tax_free, "tax_free")
        if price <= 0:
            raise bad_request("price must be positive")
        if not 0 <= tax_free <= price:
            raise bad_request("tax_free must be between 0 and price")
        if is_given(metadata) and not isinstance(metadata, dict):
            raise bad_request("metadata must be an object")
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
        receipt = receipt_skeleton(
            receipt_id=receipt_id,
            order_id=terms["order_id"],
            order_name=terms["order_name"],
            price=terms["price"],
            tax_free=terms["tax_free"],
            metadata=terms["metadata"],
            pg=BILLING_PG,
            method=REBILL_METHOD,
            status=STATUS_PAID,
            requested_at=self.iso(now),
            purchased_at=self.iso(now),
        )
        receipt_url = receipt["receipt_url"]
        receipt |= {
            "card_data": {
                "tid": f"sandbox{random_digits(13)}",
                "card_approve_no": random_digits(8),
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
        execute_at = parse_execute_at(reserve_execute_at)
        with self.lock:
            record = self._active_key(billing_key)
            if execute_at.timestamp() <= self.now():
                raise bad_request("reserve_execute_at must be in the future")
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
                "user": copy.deepcopy(user) if is_given(user) else None,
                "feedback_url": feedback_url if is_given(feedback_url) else None,
                "content_type": content_type if is_given(content_type) else None,
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
                raise bad_request(
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
