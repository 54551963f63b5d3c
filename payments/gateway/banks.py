"""The banks a virtual-account refund can be sent to, and the shape of a refund account number.

The one definition: `RefundAccount.problems()` (types.py) judges a refund account by it for REST, GraphQL and
the admin (whose refund form offers these banks), and the public checkout config
(`GET /api/v1/checkout/config/` `refund_banks` / `refund_account_rule`, GraphQL `checkoutConfig`) hands it
to the frontend, whose bank picker and account check are built from that answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    code: str  # the three-digit bank code Bootpay's cancel takes as `refund.bank_code`
    name: str  # as a Korean buyer knows the bank


# In the order the frontend's picker lists them: the banks most people hold an account with first.
REFUND_BANKS: tuple[Bank, ...] = (
    # Bootpay's documentation lists these codes for the `refund.bank_code` of its cancel API:
    Bank("004", "KB국민은행"),
    Bank("088", "신한은행"),
    Bank("020", "우리은행"),
    Bank("081", "하나은행"),
    Bank("011", "NH농협은행"),
    Bank("090", "카카오뱅크"),
    Bank("092", "토스뱅크"),
    # Not in Bootpay's list: the standard bank codes of the Korea Financial Telecommunications and
    # Clearings Institute (금융결제원), which Bootpay's codes above follow.
    Bank("003", "IBK기업은행"),
    Bank("089", "케이뱅크"),
    Bank("071", "우체국"),
    Bank("045", "새마을금고"),
    Bank("048", "신협"),
    Bank("012", "지역농·축협"),
    Bank("007", "Sh수협은행"),
    Bank("002", "KDB산업은행"),
    Bank("023", "SC제일은행"),
    Bank("027", "한국씨티은행"),
    Bank("031", "iM뱅크(대구)"),
    Bank("032", "부산은행"),
    Bank("039", "경남은행"),
    Bank("034", "광주은행"),
    Bank("037", "전북은행"),
    Bank("035", "제주은행"),
)
REFUND_BANK_CODES = frozenset(bank.code for bank in REFUND_BANKS)
REFUND_BANK_UNKNOWN = "not a bank refunds are sent to (see refund_banks in the checkout config)"


@dataclass(frozen=True)
class RefundAccountRule:
    """How long a refund account's number (in digits) and holder name may be."""

    min_digits: int
    max_digits: int
    holder_max_length: int


# A Korean account number is 10 to 16 digits (e.g. 신한 12, 우리 13, KB국민 14); people type it with
# hyphens or spaces, which are not part of it: they are dropped before it is checked, stored or sent.
REFUND_ACCOUNT_RULE = RefundAccountRule(min_digits=10, max_digits=16, holder_max_length=50)
_SEPARATORS = re.compile(r"[\s-]")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: `\d` would take any script's digits


def account_number_digits(raw: str) -> str:
    """The account number without the hyphens and spaces people type in it."""
    return _SEPARATORS.sub("", raw)


def is_account_number(digits: str) -> bool:
    """Whether `digits` (separators already dropped) is a refund account number by REFUND_ACCOUNT_RULE."""
    rule = REFUND_ACCOUNT_RULE
    return bool(_DIGITS.fullmatch(digits)) and rule.min_digits <= len(digits) <= rule.max_digits
