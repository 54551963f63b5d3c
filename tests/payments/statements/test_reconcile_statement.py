"""statement_reconcile and the two commands: a period's books against Bootpay's receipts."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from config.errors import DomainError
from orders.models import OrderItem
from payments.models import CancellationShare, Payment
from payments.services import payment_cancel, payment_verify
from payments.statements.reconcile import statement_reconcile
from tests.payments.statements.support import kst, kst_today, move_sale_to, rebook

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(staff, make_seller, product_of, pay_lines):
    """Two payments over three sellers, with a line refund and an amount refund."""
    a, b, c = make_seller("recon-a"), make_seller("recon-b"), make_seller("recon-c")
    first = pay_lines((product_of(a, 12_000), 1), (product_of(b, 8_000, tax_free=True), 1))
    second = pay_lines((product_of(b, 5_000), 2), (product_of(c, 7_000, tax_free=True), 1))
    payment_cancel(payment_pk=first.pk, actor=a.user, reason="sold out")
    payment_cancel(payment_pk=second.pk, actor=staff, reason="late", amount=4_001, tax_free_amount=1_000)
    return first, second


def reconcile():
    return statement_reconcile(date_from=kst_today(), date_to=kst_today())


def kinds(result) -> set[tuple[str, str]]:
    return {(d.receipt_id, d.kind) for d in result.differences}


def run_reconcile_command() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_statement", "--from", str(kst_today()), "--to", str(kst_today()), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_books_that_agree_with_bootpay_have_no_differences(books, bootpay):
    result = reconcile()

    assert (result.payments_checked, result.differences) == (2, [])
    status, output = run_reconcile_command()
    assert status == 0 and "payments_checked=2 differences=0" in output


def test_a_receipt_that_differs_from_ours_is_reported_with_its_receipt_id(books, bootpay):
    first, second = books
    # Bootpay's receipt says more was charged than we booked (tampered, or a lost correction)
    with bootpay.state.lock:
        bootpay.state._receipts[second.receipt_id]["price"] += 1_000
    # and a cancel of the rest (the tax-free 8,000) made at Bootpay that we have not heard of yet
    bootpay.state.cancel(first.receipt_id, cancel_id="admin-unbooked")

    result = reconcile()

    assert kinds(result) == {
        (second.receipt_id, "amount"),
        (first.receipt_id, "cancelled_price"),
        (first.receipt_id, "cancelled_tax_free"),
        (first.receipt_id, "status"),
    }
    amount = next(d for d in result.differences if d.kind == "amount")
    assert (amount.ours, amount.theirs) == (second.amount, second.amount + 1_000)
    status, output = run_reconcile_command()
    assert status == 1
    assert f"{second.receipt_id} amount: ours={second.amount} theirs={second.amount + 1_000}" in output
    assert f"{first.receipt_id} cancelled_price" in output and "differences=4" in output


def test_shares_or_lines_that_do_not_add_up_are_reported(books, bootpay):
    first, second = books
    share = CancellationShare.objects.filter(cancellation__payment=second).order_by("pk").first()
    CancellationShare.objects.filter(pk=share.pk).update(amount=share.amount + 1)
    OrderItem.objects.filter(order=first.order).update(unit_price=1)
    rebook(first, second)  # the bare UPDATEs bypass the bookings: the rollups follow the raw rows

    found = kinds(reconcile())

    assert found == {
        (second.receipt_id, "shares"),
        (first.receipt_id, "lines"),
        ("", "identity"),  # Σ seller net no longer equals the payments' paid − cancelled
    }


def test_a_failed_payment_still_holding_money_is_reported(buyer, books, pay_at_pg, bootpay):
    first, _ = books
    duplicate = pay_at_pg(first.order)  # paid twice; the refund of the second is refused
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)
    with pytest.raises(DomainError):
        payment_verify(order_id=first.order.order_id, receipt_id=duplicate, actor=buyer)
    assert Payment.objects.get(receipt_id=duplicate).status == "failed"

    result = reconcile()

    (held,) = [d for d in result.differences if d.receipt_id == duplicate]
    assert (held.kind, held.theirs) == ("failed_holds_money", first.amount)


def test_an_unreachable_bootpay_is_reported_not_raised(books, bootpay):
    bootpay.state.add_fault(path="receipt", mode="status_500")

    result = reconcile()

    assert result.payments_checked == 0
    assert {d.kind for d in result.differences} == {"unreachable"}
    assert {d.receipt_id for d in result.differences} == {p.receipt_id for p in books}


def test_the_statement_command_writes_csv_to_stdout_or_a_file(books, tmp_path):
    first, _ = books
    out = io.StringIO()
    call_command("statement", "--from", str(kst_today()), "--to", str(kst_today()), stdout=out)
    text = out.getvalue()
    assert text.startswith("\ufeffseller_id,seller_name,date,") and text.count("\r\n") == 1 + 3 * 2 + 1

    target = tmp_path / "s.csv"
    seller_id = first.order.items.first().seller_id
    call_command(
        "statement",
        "--from",
        str(kst_today()),
        "--to",
        str(kst_today()),
        "--seller",
        str(seller_id),
        "--headers",
        "ko",
        "--output",
        str(target),
    )
    written = target.read_bytes().decode("utf-8")
    assert written.startswith("\ufeff판매자 ID,") and written.endswith("\r\n")
    assert written.count("\r\n") == 1 + 2 + 1  # headers, the seller's day and total, all sellers


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-13-01", "--to", "2026-12-31"],
        ["--from", "2026-01-01", "--to", "2026-01-01", "--seller", "99999"],
    ],
)
def test_the_statement_command_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("statement", *args, stdout=io.StringIO())


@pytest.mark.xfail(
    strict=True,
    reason="known gap (docs/statements.md): reconcile_statement checks only active payments",
)
def test_reconcile_statement_reports_an_unbooked_bootpay_cancel_of_an_earlier_periods_sale(
    two_sellers, pay_lines, bootpay
):
    """A sale of yesterday, cancelled at Bootpay's admin today, not synced yet (webhook lost): today's
    statement lacks a 50,000 won refund Bootpay's settlement of today has. reconcile_statement for today
    must say so (docs: `cancelled_price` — "a cancel made at Bootpay not booked yet"); it only looks at
    payments bought, created or with one of *our* cancellations completed in the period, so it never
    looks up this receipt and reports nothing."""
    _, _, pa, pb = two_sellers
    payment = pay_lines((pa, 1), (pb, 1))
    move_sale_to(payment, kst(kst_today() - timedelta(days=1), 12))
    bootpay.state.cancel(payment.receipt_id, cancel_id="admin-today")  # Bootpay's admin, today

    result = statement_reconcile(date_from=kst_today(), date_to=kst_today())

    assert (payment.receipt_id, "cancelled_price") in {(d.receipt_id, d.kind) for d in result.differences}
