"""Cash receipts (현금영수증) through the SDK: issued on a Bootpay payment, or stand-alone (별건).

Bootpay facts (bootpay-backend 2.9.0 `rest_client.py`; bootpay/backend-nodejs `src/bootpay.ts` and
`lib/response.ts`): `cash_receipt_publish_on_receipt` POSTs `request/receipt/cash/publish` and answers the
payment's receipt; `cash_receipt_cancel_on_receipt` DELETEs `request/receipt/cash/cancel/{receipt_id}` and
answers `null` in the Node typing (we accept an empty answer or any object); `request_cash_receipt` POSTs
`request/cash/receipt` with its own price and `order_id` and answers a receipt of its own;
`cancel_cash_receipt` DELETEs `request/cash/receipt/{receipt_id}` and answers that receipt.
`cash_receipt_type` is the Korean word, '소득공제' or '지출증빙'. The identifier (`identity_no`: a phone,
card or business registration number) is personal data: an SDK argument only, never logged or raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from payments.gateway.types import GatewayUnavailable, parse_moment, without_personal_identifiers

# Our type names → Bootpay's `cash_receipt_type` words.
CASH_RECEIPT_TYPE_WORDS = {"income_deduction": "소득공제", "expense_proof": "지출증빙"}


@dataclass(frozen=True)
class CashReceiptResult:
    """What Bootpay says about an issued cash receipt: the id to cancel it by, the approval number
    (`cash_receipt_data.tid`, or `bank_data.cash_receipt_tid` on a bank/vbank receipt), and the amount it
    covers: what the answering receipt still holds (`price − cancelled_price`, tax-free likewise), since a
    publish on a payment answers the payment's receipt, whose `price` is what was paid, not what is kept
    (issued for what the payment holds: our emulator's rule, an assumption about Bootpay)."""

    receipt_id: str
    approval_no: str
    price: int
    tax_free: int
    issued_at: datetime | None
    receipt_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_payload(cls, payload: Any) -> CashReceiptResult:
        if not isinstance(payload, dict) or not payload.get("receipt_id"):
            raise GatewayUnavailable("response is not a cash receipt")
        data = payload.get("cash_receipt_data")
        data = data if isinstance(data, dict) else {}
        bank = payload.get("bank_data") or payload.get("vbank_data")
        bank = bank if isinstance(bank, dict) else {}
        approval_no = str(data.get("tid") or bank.get("cash_receipt_tid") or "")
        try:
            price = int(payload.get("price") or 0) - int(payload.get("cancelled_price") or 0)
            tax_free = int(payload.get("tax_free") or 0) - int(payload.get("cancelled_tax_free") or 0)
        except (TypeError, ValueError) as exc:
            raise GatewayUnavailable("cash receipt amount is not a number") from exc
        return cls(
            receipt_id=str(payload["receipt_id"]),
            approval_no=approval_no,
            price=price,
            tax_free=tax_free,
            issued_at=parse_moment(payload.get("purchased_at") or payload.get("requested_at")),
            receipt_url=str(data.get("receipt_url") or ""),
            raw=without_personal_identifiers(payload),
        )


def _type_word(kind: str) -> str:
    try:
        return CASH_RECEIPT_TYPE_WORDS[kind]
    except KeyError:
        raise ValueError(f"unknown cash receipt type {kind!r}") from None


class CashReceiptOperations:
    """Mixed into `BootpayGateway`: uses its `_call` (bounded, typed, token-renewing)."""

    def cash_receipt_publish(
        self, *, receipt_id: str, kind: str, identifier: str, buyer_name: str = ""
    ) -> CashReceiptResult:
        """Issue the receipt of a paid Bootpay payment (its whole amount, as Bootpay holds it)."""
        self._check_receipt_id(receipt_id)
        word = _type_word(kind)
        return CashReceiptResult.from_payload(
            self._call(
                "cash_receipt_publish",
                lambda sdk: sdk.cash_receipt_publish_on_receipt(
                    receipt_id=receipt_id, username=buyer_name, identity_no=identifier, cash_receipt_type=word
                ),
                conceal=(identifier,),
            )
        )

    def cash_receipt_cancel_on_payment(self, *, receipt_id: str, reason: str) -> None:
        self._check_receipt_id(receipt_id)
        self._call(
            "cash_receipt_cancel",
            lambda sdk: sdk.cash_receipt_cancel_on_receipt(
                receipt_id=receipt_id, cancel_username="system", cancel_message=reason
            ),
            allow_empty=True,
        )

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
    ) -> CashReceiptResult:
        """A stand-alone receipt (별건) for `price` won: a re-issue for what a partial refund left. `order_id`
        is ours and unique per issuance, so a retry of a lost answer is recognisable at Bootpay."""
        if not order_id:
            raise ValueError("order_id is required: it is what makes a retried issuance recognisable")
        if isinstance(price, bool) or not isinstance(price, int) or price <= 0 or not 0 <= tax_free <= price:
            raise ValueError("price must be positive and tax_free between 0 and price")
        word = _type_word(kind)
        return CashReceiptResult.from_payload(
            self._call(
                "cash_receipt_issue",
                lambda sdk: sdk.request_cash_receipt(
                    order_id=order_id,
                    order_name=order_name,
                    identity_no=identifier,
                    cash_receipt_type=word,
                    price=price,
                    tax_free=tax_free,
                    purchased_at=purchased_at.isoformat() if purchased_at else "",
                ),
                conceal=(identifier,),
            )
        )

    def cash_receipt_cancel(self, *, receipt_id: str, reason: str) -> None:
        """Cancel a stand-alone receipt by its own receipt id."""
        self._check_receipt_id(receipt_id)
        self._call(
            "cash_receipt_cancel_standalone",
            lambda sdk: sdk.cancel_cash_receipt(
                receipt_id=receipt_id, cancel_username="system", cancel_message=reason
            ),
            allow_empty=True,
        )
