"""How the PGs behind Bootpay answer a cancel, as the emulator plays them (docs/cancellations.md).

Written from the PG's side on purpose, apart from the product's own table (payments.pg_rules): tests
then see a PG refuse what the product should never have sent. From the bootpay-backend 2.9.0 README
("3. 결제 취소"): partial cancels only for cards, on Inicis, KCP, Danal, Payletter, NicePay, KakaoPay and
Payco; a phone payment is not cancelled after its month; a virtual account is not refunded without the
CMS special contract. What the merchant's PG contract adds (partial refunds of other methods, the CMS
contract) are the emulator's settings. The error code of these refusals is an assumption (Bootpay
documents none): RC_CANCEL_SERVER_ERROR, its "the PG refused" code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

# Display names as receipts carry them, and the codes requests use.
PARTIAL_CANCEL_PGS = frozenset(
    {
        "이니시스", "kg이니시스", "inicis",
        "kcp", "nhnkcp",
        "다날", "danal",
        "페이레터", "payletter",
        "나이스페이먼츠", "나이스페이", "nicepay",
        "카카오페이", "kakao", "kakaopay",
        "페이코", "payco",
    }
)  # fmt: skip
WALLET_PGS = frozenset({"카카오페이", "kakao", "kakaopay", "페이코", "payco", "네이버페이", "naverpay"})
CARD_METHODS = frozenset({"card", "card_rebill", "card_rebill_rest", "card_auto", "easy_card"})


def _name(pg: Any) -> str:
    return str(pg or "").strip().lower().replace(" ", "")


def pg_cancel_refusal(state: Any, receipt: dict[str, Any], *, partial: bool) -> str | None:
    """Why the receipt's PG refuses this cancel of money taken (None: it takes it). `partial`: the
    cancel leaves money on the receipt, or follows an earlier partial cancel."""
    method, pg = receipt["method_symbol"], _name(receipt.get("pg"))
    if method == "vbank" and not state.vbank_refund_contract:
        return "CMS 특약이 없는 가맹점은 가상계좌 결제를 환불할 수 없습니다."
    if method == "phone":
        paid = datetime.fromisoformat(receipt["purchased_at"]).astimezone(KST)
        now = datetime.fromtimestamp(state.now(), KST)
        if (now.year, now.month) != (paid.year, paid.month):
            return "휴대폰 결제는 결제한 달이 지나면 취소할 수 없습니다 (이동통신사 정책)."
    family = "card" if method in CARD_METHODS else method
    if partial and not (family in state.partial_cancel_methods or pg in WALLET_PGS):
        return "부분취소는 카드 결제만 가능합니다."
    if partial and pg not in PARTIAL_CANCEL_PGS:
        return "부분취소를 지원하지 않는 PG사입니다."
    return None
