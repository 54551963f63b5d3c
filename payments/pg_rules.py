"""What each PG lets a merchant do with a payment, decided before Bootpay is asked (docs/cancellations.md).

One table, from the receipt's `pg` and `method` (Bootpay's `method_symbol`), the merchant's contract
settings and the time. The cancel service refuses what cannot work with a stable code; the payment's
`actions` (REST and GraphQL) say the same to clients, so a screen shows only what will succeed.

Sources (bootpay-backend 2.9.0 README, "3. 결제 취소"; docs/cancellations.md quotes them):
- partial cancels work only for card payments, and only on Inicis, KCP, Danal, Payletter, NicePay,
  KakaoPay and Payco;
- a phone (휴대폰) payment cannot be cancelled once the month has rolled over (carrier policy);
- a virtual account is not refunded without the PG's CMS special contract (CMS 특약);
- escrow shipment registration is for Inicis and KCP only ("8. 에스크로 이용시 PG사로 배송정보 보내기").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop as _

from config.errors import ErrorCode

KST = ZoneInfo("Asia/Seoul")

# Canonical PG keys and the names Bootpay uses for them: codes in requests and webhooks ("kcp"), display
# names in REST receipts ("나이스페이먼츠", "KCP"); compared lower-cased without spaces.
PG_NAMES: dict[str, tuple[str, ...]] = {
    "inicis": ("inicis", "이니시스", "kg이니시스"),
    "kcp": ("kcp", "nhnkcp"),
    "danal": ("danal", "다날"),
    "payletter": ("payletter", "페이레터"),
    "nicepay": ("nicepay", "나이스페이", "나이스페이먼츠"),
    "kakao": ("kakao", "kakaopay", "카카오페이"),
    "payco": ("payco", "페이코"),
    "naverpay": ("naverpay", "네이버페이"),
    "toss": ("toss", "tosspayments", "토스", "토스페이먼츠"),
    "kicc": ("kicc", "easypay", "이지페이", "한국정보통신"),
    "welcome": ("welcome", "welcomepayments", "웰컴페이먼츠"),
    "smartro": ("smartro", "스마트로"),
}
_CANONICAL = {alias.replace(" ", ""): key for key, names in PG_NAMES.items() for alias in names}

# Bootpay's method symbols for a card payment: the checkout's, and the charges made with a billing key.
CARD_METHODS = frozenset({"card", "card_rebill", "card_rebill_rest", "card_auto", "easy_card"})
# Assumption (no Bootpay page says it): a wallet PG's own payments (KakaoPay, Payco, NaverPay) are card-like
# for cancels whatever method symbol they carry, since their partial cancel is listed by PG.
WALLET_PGS = frozenset({"kakao", "payco", "naverpay"})
PHONE_METHODS = frozenset({"phone"})
VBANK_METHODS = frozenset({"vbank"})
ESCROW_REGISTRATION_PGS = frozenset({"inicis", "kcp"})
CANCELLABLE_STATUSES = frozenset({"paid", "partially_cancelled"})
# The codes of the PGs' own refusals (the others in `reasons` restate the payment's state).
PG_RULE_CODES = frozenset(
    {ErrorCode.PARTIAL_CANCEL_UNSUPPORTED, ErrorCode.CANCEL_PERIOD_OVER, ErrorCode.CANCEL_UNSUPPORTED}
)


def pg_key(pg: str) -> str:
    """The canonical key of a PG name as Bootpay writes it ('' when empty, the raw name when unknown)."""
    compact = (pg or "").strip().lower().replace(" ", "")
    return _CANONICAL.get(compact, compact)


def method_key(method: str) -> str:
    """A method symbol as the table spells it ("VBANK ", "vbank" alike): a rule never fails open on case."""
    return (method or "").strip().lower()


def method_family(method: str) -> str:
    """`card` for every card symbol (checkout, billing charges), else the symbol itself."""
    key = method_key(method)
    return "card" if key in CARD_METHODS else key


def partial_cancel_pgs() -> frozenset[str]:
    """PGs that take partial card cancels: Bootpay's list, or the operator's (BOOTPAY_PARTIAL_CANCEL_PGS)."""
    return frozenset(pg_key(name) for name in settings.BOOTPAY_PARTIAL_CANCEL_PGS)


@dataclass(frozen=True)
class Refusal:
    """Why an action cannot be done now: the code a cancel would be refused with, and what to do."""

    action: str  # "cancel" | "partial_cancel" | "line_cancel"
    code: str
    message: str  # English; rendered in the request's language by config.i18n.localize


# The messages, each saying what to do instead (Korean in locale/ko).
MESSAGE_NO_CMS_CONTRACT = _(
    "Without the PG's CMS special contract a virtual account is not refunded through Bootpay: send the "
    "money back by bank transfer and record it."
)
MESSAGE_NOT_CARD = _(
    "Only card payments can be partly cancelled: cancel the whole payment, or give the difference back "
    "outside Bootpay."
)
MESSAGE_PG_NO_PARTIAL = _(
    "This PG does not take partial cancels: cancel the whole payment, or give the difference back outside "
    "Bootpay."
)
MESSAGE_MONTH_OVER = _(
    "A phone payment cannot be cancelled after the month it was paid in (carrier policy): give the money "
    "back outside Bootpay."
)
MESSAGE_REST_OUTSIDE = _(
    "Part of this payment is already cancelled and this PG takes no partial cancel: give the rest back "
    "outside Bootpay."
)
MESSAGE_FOR_SELLER = _("The PG does not take this refund of the payment: ask the marketplace's staff.")
MESSAGE_NOTHING_LEFT = _("Nothing is left to cancel.")
MESSAGE_NO_MONEY = _("This payment holds no money to give back.")


@dataclass(frozen=True)
class PaymentActions:
    """What may be done with a payment now. `line_cancel` is a refund of some lines (a partial cancel);
    refunding every line that is left is a `cancel`."""

    cancel: bool
    partial_cancel: bool
    line_cancel: bool
    refund_account_required: bool
    escrow_registration: bool
    reasons: list[Refusal] = field(default_factory=list)

    def refusal(self, action: str) -> Refusal | None:
        return next((reason for reason in self.reasons if reason.action == action), None)

    def for_seller(self) -> PaymentActions:
        """What a seller of the order is told: what may be done and the codes, never what the messages
        and the refund account would say of the buyer's payment (its method)."""
        return PaymentActions(
            cancel=self.cancel,
            partial_cancel=self.partial_cancel,
            line_cancel=self.line_cancel,
            refund_account_required=False,
            escrow_registration=False,
            reasons=[Refusal(reason.action, reason.code, MESSAGE_FOR_SELLER) for reason in self.reasons],
        )


@dataclass(frozen=True)
class PgRule:
    """The table's row for one PG × method (× contract), before the payment's state and the time."""

    cancel: Refusal | None  # None: Bootpay takes a whole cancel
    partial: Refusal | None  # None: Bootpay takes a partial cancel
    month_bound: bool  # cancels only in the calendar month of the payment (KST)
    refund_account: bool
    escrow_registration: bool


def pg_rule(*, pg: str, method: str) -> PgRule:
    """The rules table: one row per PG × method, with the merchant's contract settings applied."""
    key, method = pg_key(pg), method_key(method)
    partial_methods = {method_key(name) for name in settings.BOOTPAY_PARTIAL_CANCEL_METHODS}
    partial_method = method_family(method) in partial_methods or key in WALLET_PGS
    cancel = None
    if method in VBANK_METHODS and not settings.BOOTPAY_VBANK_REFUND_CONTRACT:
        cancel = Refusal("cancel", ErrorCode.CANCEL_UNSUPPORTED, MESSAGE_NO_CMS_CONTRACT)
    if cancel is not None:
        partial = Refusal("partial_cancel", cancel.code, cancel.message)
    elif not partial_method:
        partial = Refusal("partial_cancel", ErrorCode.PARTIAL_CANCEL_UNSUPPORTED, MESSAGE_NOT_CARD)
    elif key not in partial_cancel_pgs():
        partial = Refusal("partial_cancel", ErrorCode.PARTIAL_CANCEL_UNSUPPORTED, MESSAGE_PG_NO_PARTIAL)
    else:
        partial = None
    return PgRule(
        cancel=cancel,
        partial=partial,
        month_bound=method in PHONE_METHODS,
        refund_account=method in VBANK_METHODS,
        escrow_registration=key in ESCROW_REGISTRATION_PGS,
    )


def _month_over(paid_at: datetime | None, now: datetime) -> bool:
    if paid_at is None:
        return False
    paid, today = paid_at.astimezone(KST), now.astimezone(KST)
    return (today.year, today.month) != (paid.year, paid.month)


def payment_actions(
    *,
    pg: str,
    method: str,
    status: str,
    balance: int,
    paid_at: datetime | None,
    amount: int | None = None,
    now: datetime | None = None,
) -> PaymentActions:
    """What may be done with a payment now: its PG rule, its state (`balance`: what is left to cancel,
    counting cancels in flight, of `amount` paid) and the time. Once part of the payment is gone (a
    partial cancel, made here or in Bootpay's console), cancelling the rest is itself a partial cancel."""
    rule = pg_rule(pg=pg, method=method)
    reasons: list[Refusal] = []
    if status not in CANCELLABLE_STATUSES or balance < 1:
        if status in CANCELLABLE_STATUSES or status == "cancelled":
            refusal = Refusal("cancel", ErrorCode.CANCEL_EXCEEDS_BALANCE, MESSAGE_NOTHING_LEFT)
        else:
            refusal = Refusal("cancel", ErrorCode.PAYMENT_NOT_CANCELLABLE, MESSAGE_NO_MONEY)
    elif rule.month_bound and _month_over(paid_at, now or timezone.now()):
        refusal = Refusal("cancel", ErrorCode.CANCEL_PERIOD_OVER, MESSAGE_MONTH_OVER)
    else:
        refusal = rule.cancel
    if refusal is None and rule.partial is not None and amount is not None and balance < amount:
        refusal = Refusal("cancel", rule.partial.code, MESSAGE_REST_OUTSIDE)
    if refusal is not None:
        reasons.append(refusal)
        reasons.append(Refusal("partial_cancel", refusal.code, refusal.message))
    elif rule.partial is not None:
        reasons.append(rule.partial)
    partial = next((r for r in reasons if r.action == "partial_cancel"), None)
    if partial is not None:
        reasons.append(Refusal("line_cancel", partial.code, partial.message))
    return PaymentActions(
        cancel=refusal is None,
        partial_cancel=partial is None,
        line_cancel=partial is None,
        refund_account_required=rule.refund_account and status in CANCELLABLE_STATUSES,
        escrow_registration=rule.escrow_registration,
        reasons=reasons,
    )
