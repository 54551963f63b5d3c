"""The refund account a deposited virtual account is refunded to: one rule (payments/gateway/banks.py),
applied by RefundAccount.problems() for every transport and handed to the frontend by the checkout config."""

import pytest

from payments.gateway import REFUND_ACCOUNT_RULE, REFUND_BANKS, RefundAccount

GOOD = {"bank_code": "004", "bank_account": "12345678901234", "bank_username": "홍길동"}


def test_the_banks_bootpay_documents_for_refunds_are_offered_once_each():
    codes = [bank.code for bank in REFUND_BANKS]
    assert {"004", "011", "020", "081", "088", "090", "092"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(len(bank.code) == 3 and bank.code.isdigit() and bank.name for bank in REFUND_BANKS)


def test_a_known_bank_and_a_well_formed_account_have_no_problem():
    assert RefundAccount(**GOOD).problems() == {}


@pytest.mark.parametrize("code", ["999", "4", "0004", "", "abc", "００４"])
def test_a_bank_code_outside_the_list_is_refused_by_name(code):
    assert set(RefundAccount(**GOOD | {"bank_code": code}).problems()) == {"refund.bank_code"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("110-123-456789", "110123456789"),
        (" 1002 345 678901 ", "1002345678901"),
        ("1234567890", "1234567890"),  # the fewest digits
        ("1234567890123456", "1234567890123456"),  # the most
    ],
)
def test_hyphens_and_spaces_are_dropped_from_the_account_number(typed, kept):
    account = RefundAccount(**GOOD | {"bank_account": typed, "bank_username": "  홍길동 "})

    assert account.problems() == {}
    assert account.as_payload() == {"bank_code": "004", "bank_account": kept, "bank_username": "홍길동"}


@pytest.mark.parametrize(
    "number",
    [
        "123456789",  # 9 digits
        "12345678901234567",  # 17
        "12345-67890a",
        "123.456.7890",
        "١٢٣٤٥٦٧٨٩٠",  # digits, but not the ASCII ones a bank account is written with
        "----------",
        "",
    ],
)
def test_an_account_number_outside_the_rule_is_refused_by_name(number):
    assert set(RefundAccount(**GOOD | {"bank_account": number}).problems()) == {"refund.bank_account"}


def test_the_rule_bounds_are_the_ones_checked():
    rule = REFUND_ACCOUNT_RULE
    shortest, longest = "1" * rule.min_digits, "1" * rule.max_digits
    assert RefundAccount(**GOOD | {"bank_account": shortest}).problems() == {}
    assert RefundAccount(**GOOD | {"bank_account": longest}).problems() == {}
    assert RefundAccount(**GOOD | {"bank_account": shortest[1:]}).problems()
    assert RefundAccount(**GOOD | {"bank_account": longest + "1"}).problems()


@pytest.mark.parametrize("holder", ["", "   ", "가" * (REFUND_ACCOUNT_RULE.holder_max_length + 1)])
def test_a_missing_or_overlong_holder_name_is_refused_by_name(holder):
    assert set(RefundAccount(**GOOD | {"bank_username": holder}).problems()) == {"refund.bank_username"}


def test_every_problem_is_named_at_once():
    bad = RefundAccount(bank_code="000", bank_account="12", bank_username="")
    assert set(bad.problems()) == {"refund.bank_code", "refund.bank_account", "refund.bank_username"}
