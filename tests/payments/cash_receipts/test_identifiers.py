"""The identifier rules (`payments.cash_receipts.identifiers`): one definition for REST, GraphQL, admin."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.errors import DomainError
from payments.cash_receipts.identifiers import (
    business_check_digit,
    identifier_clean,
    identifier_mask,
    is_business_number,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_a_business_number_is_valid_with_its_check_digit_and_with_no_other(first_nine):
    check = business_check_digit(first_nine)
    assert is_business_number(first_nine + str(check))
    assert not any(is_business_number(first_nine + str(d)) for d in range(10) if d != check)


@pytest.mark.parametrize("number", ["1208147521", "2208162517"])
def test_known_registered_numbers_pass(number):
    # 120-81-47521 (Kakao), 220-81-62517 (Naver): published numbers of large companies.
    assert is_business_number(number)


@pytest.mark.parametrize(
    ("kind", "raw", "digits"),
    [
        ("income_deduction", "010-1234-5678", "01012345678"),
        ("income_deduction", "011 123 4567", "0111234567"),
        ("income_deduction", "1234567890123", "1234567890123"),
        ("expense_proof", "120-81-47521", "1208147521"),
        ("expense_proof", "01012345678", "01012345678"),
    ],
)
def test_accepted_identifiers_come_back_as_digits(kind, raw, digits):
    assert identifier_clean(type=kind, identifier=raw) == digits


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("income_deduction", "1208147521"),  # a business number is for expense proof
        ("expense_proof", "1208147522"),  # wrong check digit
        ("income_deduction", "02-123-4567"),  # a landline
        ("income_deduction", "010123"),
        ("income_deduction", "01012345678901234567890"),
        ("income_deduction", "０１０１２３４５６７８"),  # full-width digits
        ("income_deduction", ""),
        ("income_deduction", None),
        ("income_deduction", 1012345678),
        ("expense_proof", "abc"),
    ],
)
def test_refused_identifiers_name_the_field_and_never_quote_the_value(kind, raw):
    with pytest.raises(DomainError) as caught:
        identifier_clean(type=kind, identifier=raw, field="cash_receipt.identifier")
    assert caught.value.code == "cash_receipt_identifier_invalid"
    assert list(caught.value.details["fields"]) == ["cash_receipt.identifier"]
    if isinstance(raw, str) and raw:
        assert raw not in str(caught.value.details) and raw not in caught.value.message


def test_masks_hide_the_middle():
    assert identifier_mask("01012345678") == "010-****-5678"
    assert identifier_mask("0111234567") == "011-***-4567"
    assert identifier_mask("1208147521") == "120-81-*****"
    assert identifier_mask("1234567890123456") == "1234-****-****-3456"
