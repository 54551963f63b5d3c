"""The cash receipt identifier (현금영수증 발급수단번호): one definition of what is valid, for REST, GraphQL
and the admin, and how it is shown (masked). The identifier is personal data: it is never echoed in an error,
a log line or a response (docs/cash-receipts.md).

- mobile phone: 010/011/016/017/018/019 then 7–8 digits (10–11 digits in all);
- cash receipt card (현금영수증 카드) number: 13–19 digits;
- business registration number (사업자등록번호): 10 digits whose last is the check digit of the first nine
  (weights 1,3,7,1,3,7,1,3,5; the ninth digit × 5 adds its tens too; check = (10 − sum mod 10) mod 10).

Which identifiers a type takes (Hometax's issuance codes list phone, card and business number for either
use; docs/cash-receipts.md): income_deduction (소득공제용) a phone or card number; expense_proof
(지출증빙용) a
business registration number, or a phone or card number.
"""

from __future__ import annotations

import re
from enum import StrEnum

from config.errors import DomainError, ErrorCode


class IdentifierKind(StrEnum):
    PHONE = "phone"
    CARD = "card"
    BUSINESS = "business"


# The tax office's number for a receipt issued unasked (자진발급, 국세청 지정번호 010-000-1234).
SELF_ISSUE_IDENTIFIER = "0100001234"

_PHONE = re.compile(r"01[016789]\d{7,8}")
_CARD = re.compile(r"\d{13,19}")
_BUSINESS = re.compile(r"\d{10}")
_SEPARATORS = re.compile(r"[\s-]")
IDENTIFIER_MAX_LENGTH = 40  # as typed, separators included
BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
ACCEPTED = {
    "income_deduction": (IdentifierKind.PHONE, IdentifierKind.CARD),
    "expense_proof": (IdentifierKind.BUSINESS, IdentifierKind.PHONE, IdentifierKind.CARD),
}


def business_check_digit(first_nine: str) -> int:
    """The check digit of a business registration number's first nine digits."""
    digits = [int(d) for d in first_nine]
    total = sum(d * w for d, w in zip(digits, BUSINESS_WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_business_number(digits: str) -> bool:
    return bool(_BUSINESS.fullmatch(digits)) and business_check_digit(digits[:9]) == int(digits[9])


def identifier_kind(digits: str) -> IdentifierKind | None:
    """What a digits-only identifier is (a phone wins over a business number of the same length)."""
    if _PHONE.fullmatch(digits):
        return IdentifierKind.PHONE
    if is_business_number(digits):
        return IdentifierKind.BUSINESS
    if _CARD.fullmatch(digits):
        return IdentifierKind.CARD
    return None


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.CASH_RECEIPT_IDENTIFIER_INVALID, details={"fields": {field: [message]}})


def identifier_clean(*, type: str, identifier: object, field: str = "identifier") -> str:  # noqa: A002
    """The identifier as digits, valid for `type` (income_deduction | expense_proof). Raises
    cash_receipt_identifier_invalid naming `field`, never quoting the value."""
    if not isinstance(identifier, str) or not identifier.strip():
        raise _invalid(field, "required for this receipt type")
    if len(identifier) > IDENTIFIER_MAX_LENGTH:  # the one bound, for REST and GraphQL alike
        raise _invalid(field, f"at most {IDENTIFIER_MAX_LENGTH} characters")
    digits = _SEPARATORS.sub("", identifier)
    if len(digits) > 25 or not digits.isascii() or not digits.isdigit():
        raise _invalid(field, "digits only (dashes and spaces are ignored)")
    kind = identifier_kind(digits)
    accepted = ACCEPTED.get(type, ())
    if kind is None or kind not in accepted:
        names = {IdentifierKind.PHONE: "mobile phone", IdentifierKind.CARD: "cash receipt card number"}
        names[IdentifierKind.BUSINESS] = "business registration number"
        raise _invalid(field, f"expected a {' or a '.join(names[k] for k in accepted)}")
    return digits


def identifier_mask(digits: str) -> str:
    """How an identifier is shown: `010-****-5678`, `123-45-*****`, `1234-****-****-5678`."""
    kind = identifier_kind(digits)
    if kind == IdentifierKind.PHONE:
        middle = "*" * (len(digits) - 7)
        return f"{digits[:3]}-{middle}-{digits[-4:]}"
    if kind == IdentifierKind.BUSINESS:
        return f"{digits[:3]}-{digits[3:5]}-*****"
    if len(digits) >= 8:
        return f"{digits[:4]}-****-****-{digits[-4:]}"
    return "****"
