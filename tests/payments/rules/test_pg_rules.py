"""The rules table (payments.pg_rules): PG × method × contract × time → what may be done."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from payments.pg_rules import PG_NAMES, payment_actions, pg_key, pg_rule

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=KST)


def actions(pg="나이스페이먼츠", method="card", status="paid", balance=10_000, paid_at=NOW, now=NOW):
    return payment_actions(pg=pg, method=method, status=status, balance=balance, paid_at=paid_at, now=now)


@pytest.mark.parametrize(
    ("name", "key"),
    [("나이스페이먼츠", "nicepay"), ("KCP", "kcp"), ("NHN KCP", "kcp"), ("kcp", "kcp"),
     ("KG이니시스", "inicis"), ("카카오페이", "kakao"), ("토스페이먼츠", "toss"),
     ("", ""), ("어떤PG", "어떤pg")],
)  # fmt: skip
def test_pg_key_reads_display_names_and_codes_alike(name, key):
    assert pg_key(name) == key


def test_every_alias_is_unambiguous():
    aliases = [alias.replace(" ", "") for names in PG_NAMES.values() for alias in names]
    assert len(aliases) == len(set(aliases))


LISTED = ["이니시스", "KCP", "다날", "페이레터", "나이스페이먼츠", "카카오페이", "페이코"]  # the SDK README's


@pytest.mark.parametrize("pg", LISTED)
def test_a_card_on_a_listed_pg_takes_every_cancel(pg):
    result = actions(pg=pg)
    assert (result.cancel, result.partial_cancel, result.line_cancel) == (True, True, True)
    assert result.reasons == []


@pytest.mark.parametrize("pg", ["토스페이먼츠", "웰컴페이먼츠", "", "어떤PG"])
def test_a_card_on_another_pg_takes_only_a_whole_cancel(pg):
    result = actions(pg=pg)
    assert result.cancel and not result.partial_cancel and not result.line_cancel
    assert {(r.action, r.code) for r in result.reasons} == {
        ("partial_cancel", "partial_cancel_unsupported"),
        ("line_cancel", "partial_cancel_unsupported"),
    }
    assert "cancel the whole payment" in result.refusal("partial_cancel").message


def test_the_operator_lists_its_own_partial_cancel_pgs(settings):
    settings.BOOTPAY_PARTIAL_CANCEL_PGS = ["토스페이먼츠"]
    assert actions(pg="토스페이먼츠").partial_cancel
    assert not actions(pg="나이스페이먼츠").partial_cancel


@pytest.mark.parametrize("method", ["vbank", "bank", "phone"])
def test_only_cards_are_partly_cancelled(method):
    result = actions(method=method)
    assert result.cancel and not result.partial_cancel
    assert result.refusal("partial_cancel").code == "partial_cancel_unsupported"


@pytest.mark.parametrize("pg", ["카카오페이", "페이코"])
def test_a_wallet_pg_is_card_like_whatever_its_method_symbol(pg):
    assert actions(pg=pg, method="easy").partial_cancel


def test_a_billing_charge_is_a_card_payment():
    assert actions(method="card_rebill_rest").partial_cancel


def test_a_deposited_virtual_account_needs_a_refund_account_and_the_cms_contract(settings):
    assert actions(method="vbank").refund_account_required
    assert not actions(method="vbank", status="awaiting_deposit").refund_account_required
    settings.BOOTPAY_VBANK_REFUND_CONTRACT = False
    result = actions(method="vbank")
    assert not result.cancel and not result.partial_cancel and not result.line_cancel
    assert {r.code for r in result.reasons} == {"cancel_unsupported"}
    assert "bank transfer" in result.refusal("cancel").message


@pytest.mark.parametrize(
    ("paid_at", "now", "cancellable"),
    [
        (datetime(2026, 12, 1, 0, 0, tzinfo=KST), datetime(2026, 12, 31, 23, 59, tzinfo=KST), True),
        (datetime(2026, 11, 30, 23, 59, tzinfo=KST), datetime(2026, 12, 1, 0, 0, tzinfo=KST), False),
        # 2026-11-30 15:30 UTC is already December 1st in Korea: the carrier's month is KST's
        (datetime(2026, 11, 30, 15, 30, tzinfo=ZoneInfo("UTC")), datetime(2026, 12, 20, tzinfo=KST), True),
        (datetime(2025, 12, 10, tzinfo=KST), datetime(2026, 12, 10, tzinfo=KST), False),
    ],
)
def test_a_phone_payment_is_cancelled_only_in_its_month(paid_at, now, cancellable):
    result = actions(method="phone", paid_at=paid_at, now=now)
    assert result.cancel is cancellable
    if not cancellable:
        assert {r.code for r in result.reasons} == {"cancel_period_over"}
        assert {r.action for r in result.reasons} == {"cancel", "partial_cancel", "line_cancel"}


def test_a_card_has_no_month_limit():
    assert actions(paid_at=datetime(2025, 1, 1, tzinfo=KST)).cancel


@pytest.mark.parametrize(
    ("status", "balance", "code"),
    [("cancelled", 0, "cancel_exceeds_balance"), ("partially_cancelled", 0, "cancel_exceeds_balance"),
     ("awaiting_deposit", 10_000, "payment_not_cancellable"), ("failed", 10_000, "payment_not_cancellable")],
)  # fmt: skip
def test_nothing_is_offered_on_a_payment_without_money_left(status, balance, code):
    result = actions(status=status, balance=balance)
    assert not (result.cancel or result.partial_cancel or result.line_cancel)
    assert {r.code for r in result.reasons} == {code}


def test_escrow_registration_is_for_inicis_and_kcp():
    assert pg_rule(pg="KG이니시스", method="card").escrow_registration
    assert pg_rule(pg="KCP", method="vbank").escrow_registration
    assert not pg_rule(pg="나이스페이먼츠", method="card").escrow_registration


@pytest.mark.parametrize("method", ["VBANK", " vbank", "vbank "])
def test_a_method_symbol_is_read_whatever_its_case_or_spaces(settings, method):
    settings.BOOTPAY_VBANK_REFUND_CONTRACT = False
    result = actions(method=method)
    assert not result.cancel and result.refusal("cancel").code == "cancel_unsupported"
    assert actions(method="PHONE ", paid_at=datetime(2025, 1, 1, tzinfo=KST)).refusal("cancel").code == (
        "cancel_period_over"
    )


def test_the_operators_method_list_is_read_whatever_its_case(settings):
    settings.BOOTPAY_PARTIAL_CANCEL_METHODS = ["Card", " bank"]
    assert actions(method="bank").partial_cancel


def test_the_rest_of_a_partly_cancelled_payment_is_itself_a_partial_cancel():
    # e.g. a partial cancel made in Bootpay's console, on a PG that takes none through the API
    result = payment_actions(pg="토스페이먼츠", method="card", status="partially_cancelled", balance=6_000,
                             amount=10_000, paid_at=NOW, now=NOW)  # fmt: skip
    assert not (result.cancel or result.partial_cancel or result.line_cancel)
    assert result.refusal("cancel").code == "partial_cancel_unsupported"
    assert "outside Bootpay" in result.refusal("cancel").message
    # untouched, the same payment is cancelled whole
    assert actions(pg="토스페이먼츠", balance=10_000).cancel


def test_a_seller_is_told_what_may_be_done_but_nothing_of_the_buyers_payment(settings):
    settings.BOOTPAY_VBANK_REFUND_CONTRACT = False
    told = actions(method="vbank").for_seller()
    assert (told.cancel, told.line_cancel, told.refund_account_required) == (False, False, False)
    assert {r.code for r in told.reasons} == {"cancel_unsupported"}
    assert all("virtual account" not in r.message for r in told.reasons)
