"""Who each kind of refund is charged to (CancellationShare), and what the statement books of it."""

import pytest
from django.urls import reverse

from config.errors import DomainError
from orders.models import OrderItem
from orders.services import OrderLine, order_create
from payments.gateway import get_gateway
from payments.models import Cancellation, CancellationShare, Payment
from payments.money import Money
from payments.services import payment_cancel, payment_reconcile, payment_sync_from_receipt, payment_verify
from payments.services.common import Actor
from payments.services.settle import apportion
from payments.statements.selectors import staff_statement
from tests.payments.statements.support import kst_today, shares_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_seller, product_of):
    """Two sellers: A sells a taxable 30,000 line; B a taxable 10,000 and a tax-free 20,000 line."""
    a, b = make_seller("A-shop"), make_seller("B-shop")
    return {
        "a": a,
        "b": b,
        "a_taxable": product_of(a, 30_000),
        "b_taxable": product_of(b, 10_000),
        "b_tax_free": product_of(b, 20_000, tax_free=True),
    }


@pytest.fixture
def paid(shop, pay_lines):
    return pay_lines((shop["a_taxable"], 1), (shop["b_taxable"], 1), (shop["b_tax_free"], 1))


def line_of(payment: Payment, product) -> OrderItem:
    return payment.order.items.get(product=product)


def seller_net(statement, seller) -> Money:
    return next(s.net for s in statement.sellers if s.seller_id == seller.pk)


def statement_today():
    return staff_statement(date_from=kst_today(), date_to=kst_today())


def test_a_sellers_own_line_refund_is_charged_to_that_seller(shop, paid):
    line = line_of(paid, shop["a_taxable"])

    cancellation = payment_cancel(payment_pk=paid.pk, actor=shop["a"].user, reason="out of stock")

    assert cancellation.state == "succeeded"
    assert shares_of(cancellation) == {shop["a"].pk: (30_000, 0)}
    assert set(cancellation.items.values_list("pk", flat=True)) == {line.pk}
    statement = statement_today()
    assert seller_net(statement, shop["a"]) == Money(amount=0, tax_free=0)
    assert seller_net(statement, shop["b"]) == Money(amount=30_000, tax_free=20_000)
    a = next(s for s in statement.sellers if s.seller_id == shop["a"].pk)
    assert (a.gross.count, a.refunds.count, a.refunds.total) == (1, 1, 30_000)


def test_a_buyers_line_refund_is_charged_to_the_lines_seller_with_its_tax_free_part(buyer, shop, paid):
    line = line_of(paid, shop["b_tax_free"])

    cancellation = payment_cancel(
        payment_pk=paid.pk, actor=buyer, reason="changed my mind", item_ids=[line.pk]
    )

    assert shares_of(cancellation) == {shop["b"].pk: (20_000, 20_000)}
    assert seller_net(statement_today(), shop["b"]) == Money(amount=10_000, tax_free=0)


def test_staff_line_refund_across_sellers_charges_each_its_lines(staff, shop, paid):
    lines = [line_of(paid, shop["a_taxable"]).pk, line_of(paid, shop["b_tax_free"]).pk]

    cancellation = payment_cancel(payment_pk=paid.pk, actor=staff, reason="damaged", item_ids=lines)

    assert shares_of(cancellation) == {shop["a"].pk: (30_000, 0), shop["b"].pk: (20_000, 20_000)}


def test_a_staff_amount_refund_is_pro_rata_over_the_taxable_money_left(staff, shop, paid):
    # 10,001 taxable over A 30,000 : B 10,000 → 7,500.75 : 2,500.25; the odd won to the larger remainder
    cancellation = payment_cancel(payment_pk=paid.pk, actor=staff, reason="goodwill", amount=10_001)

    assert cancellation.tax_free_amount == 0
    assert shares_of(cancellation) == {shop["a"].pk: (7_501, 0), shop["b"].pk: (2_500, 0)}


def test_a_staff_tax_free_refund_goes_to_the_seller_holding_tax_free_money(staff, shop, paid):
    cancellation = payment_cancel(
        payment_pk=paid.pk, actor=staff, reason="goodwill", amount=15_000, tax_free_amount=5_000
    )

    # taxable 10,000 over A 30,000 : B 10,000; tax-free 5,000 all B's
    assert shares_of(cancellation) == {shop["a"].pk: (7_500, 0), shop["b"].pk: (7_500, 5_000)}


def test_a_pro_rata_refund_skips_a_seller_whose_lines_are_refunded(staff, shop, paid):
    payment_cancel(payment_pk=paid.pk, actor=shop["a"].user, reason="out of stock")

    cancellation = payment_cancel(payment_pk=paid.pk, actor=staff, reason="goodwill", amount=1_000)

    assert shares_of(cancellation) == {shop["b"].pk: (1_000, 0)}


def test_the_staff_remainder_leaves_every_seller_exactly_at_zero(staff, shop, paid):
    payment_cancel(payment_pk=paid.pk, actor=staff, reason="goodwill", amount=3_333, tax_free_amount=1_111)
    payment_cancel(payment_pk=paid.pk, actor=staff, reason="more", amount=7)

    rest = payment_cancel(payment_pk=paid.pk, actor=staff, reason="the rest")

    paid.refresh_from_db()
    assert paid.status == "cancelled"
    assert sum(amount for amount, _ in shares_of(rest).values()) == rest.amount
    charged = {
        seller.pk: (
            sum(s.amount for s in CancellationShare.objects.filter(seller=seller)),
            sum(s.tax_free_amount for s in CancellationShare.objects.filter(seller=seller)),
        )
        for seller in (shop["a"], shop["b"])
    }
    assert charged == {shop["a"].pk: (30_000, 0), shop["b"].pk: (30_000, 20_000)}
    statement = statement_today()
    assert {s.seller_id: s.net.total for s in statement.sellers} == {shop["a"].pk: 0, shop["b"].pk: 0}
    assert statement.total.net == Money(amount=0, tax_free=0)
    assert statement.total.refunds.count == 6  # three cancellations, each charged to two sellers


def test_a_buyers_whole_remainder_cancel_is_pro_rata(buyer, shop, paid):
    cancellation = payment_cancel(payment_pk=paid.pk, actor=buyer, reason="all of it")

    assert shares_of(cancellation) == {shop["a"].pk: (30_000, 0), shop["b"].pk: (30_000, 20_000)}


def test_a_cancel_made_at_bootpay_is_charged_pro_rata_when_synced(shop, paid, bootpay):
    # Bootpay's admin cancels 9,000 of which 4,000 tax-free; we learn of it through a sync
    bootpay.state.cancel(paid.receipt_id, cancel_price=9_000, cancel_tax_free=4_000, cancel_id="admin-1")
    receipt = bootpay.state.get_receipt(paid.receipt_id)

    payment_sync_from_receipt(
        receipt=get_gateway().lookup_receipt(receipt["receipt_id"]), actor=Actor(label="t")
    )

    cancellation = Cancellation.objects.get(payment=paid)
    assert cancellation.reason == "Bootpay에서 취소됨"
    # taxable 5,000 over A 30,000 : B 10,000; tax-free 4,000 all B's
    assert shares_of(cancellation) == {shop["a"].pk: (3_750, 0), shop["b"].pk: (5_250, 4_000)}
    assert statement_today().total.refunds.total == 9_000


def test_a_failed_cancellation_frees_its_shares_for_the_next_one(staff, shop, paid, bootpay):
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=paid.pk, actor=shop["a"].user, reason="out of stock")
    refused = Cancellation.objects.get(payment=paid)
    assert refused.state == "failed" and shares_of(refused) == {shop["a"].pk: (30_000, 0)}

    cancellation = payment_cancel(payment_pk=paid.pk, actor=staff, reason="the rest")

    assert shares_of(cancellation) == {shop["a"].pk: (30_000, 0), shop["b"].pk: (30_000, 20_000)}
    assert statement_today().total.refunds.count == 2  # the failed one is not a refund


def test_a_cancel_in_flight_holds_its_shares_until_reconcile_books_it(staff, shop, paid, bootpay):
    bootpay.state.add_fault(path="cancel", mode="lost_answer", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=paid.pk, actor=staff, reason="goodwill", amount=20_000)
    pending = Cancellation.objects.get(payment=paid)
    assert pending.state == "requested"
    assert shares_of(pending) == {shop["a"].pk: (15_000, 0), shop["b"].pk: (5_000, 0)}
    assert statement_today().total.refunds.count == 0  # not a refund until it succeeds

    # a second amount refund meanwhile counts the first as spent
    second = payment_cancel(payment_pk=paid.pk, actor=staff, reason="more", amount=10_000)
    assert shares_of(second) == {shop["a"].pk: (7_500, 0), shop["b"].pk: (2_500, 0)}

    payment_reconcile(older_than_minutes=0)
    pending.refresh_from_db()
    assert pending.state == "succeeded"
    assert statement_today().total.refunds.total == 30_000


def test_a_refund_of_a_payment_that_never_sold_is_not_on_the_statement(buyer, shop, pay_lines, pay_at_pg):
    first = pay_lines((shop["a_taxable"], 1))
    # the buyer pays the same order again from a second tab: that payment fails and is refunded
    duplicate = pay_at_pg(first.order)
    with pytest.raises(DomainError):
        payment_verify(order_id=first.order.order_id, receipt_id=duplicate, actor=buyer)
    failed = Payment.objects.get(receipt_id=duplicate)
    assert failed.status == "failed" and failed.cancelled_amount == 30_000
    assert not CancellationShare.objects.filter(cancellation__payment=failed).exists()

    statement = statement_today()
    assert [(s.seller_id, s.gross.total, s.refunds.total) for s in statement.sellers] == [
        (shop["a"].pk, 30_000, 0)
    ]


def test_a_withdrawn_virtual_account_has_no_shares_and_no_sale(buyer, shop, pay_at_pg):
    order = order_create(buyer=buyer, lines=[OrderLine(shop["a_taxable"].pk, 1)])
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="paying by card instead")

    assert not CancellationShare.objects.exists()
    assert staff_statement(date_from=kst_today(), date_to=kst_today()).sellers == []


def test_a_subscription_charge_is_a_sale_of_its_seller(buyer, subscribe, make_seller, fake_bootpay):
    seller = make_seller("subs-shop")

    subscription = subscribe(buyer, seller=seller, price=9_900)

    statement = statement_today()
    assert subscription.status == "active"
    assert [(s.seller_id, s.gross.count, s.gross.total) for s in statement.sellers] == [(seller.pk, 1, 9_900)]


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (1, {2: 10, 1: 10}, {1: 1}),  # a tie goes to the lower seller id
        (3, {3: 5, 1: 5, 2: 5}, {1: 1, 2: 1, 3: 1}),
        (10_001, {1: 30_000, 2: 10_000}, {1: 7_501, 2: 2_500}),
        (5, {1: 3, 2: 0}, {1: 4, 2: 1}),  # beyond every weight: the rest goes by the next level
        (7, {1: -4, 2: 7}, {2: 7}),  # a seller overdrawn by a line refund gets nothing more
        (0, {1: 5}, {}),
    ],
)
def test_apportion_is_exact_and_never_exceeds_what_a_seller_has_left(total, weights, expected):
    shares = apportion(total, [weights, {1: 1, 2: 1}])

    assert {k: v for k, v in shares.items() if v} == expected
    assert sum(shares.values()) == total


def test_the_admin_shows_who_a_cancellation_is_charged_to(client, make_user, shop, paid):
    client.force_login(make_user("admin-staff", is_staff=True, is_superuser=True))
    cancellation = payment_cancel(payment_pk=paid.pk, actor=shop["a"].user, reason="out of stock")

    page = client.get(reverse("admin:payments_cancellation_change", args=[cancellation.pk]))

    assert page.status_code == 200
    assert "A-shop 30,000₩ (면세 0₩)" in page.content.decode()  # Korean, the default language
