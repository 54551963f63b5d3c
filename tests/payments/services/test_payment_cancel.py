import pytest

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Product
from payments.models import Cancellation, Payment
from payments.services import payment_cancel, payment_reconcile, payment_verify
from tests.payments.faults import faults_with_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


@pytest.fixture
def paid(buyer, make_order, pay_at_pg):
    def make(**order_options) -> Payment:
        order = make_order(**order_options)
        return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    return make


def cancel_error(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        payment_cancel(**kwargs)
    return error.value


def test_partial_then_full_cancel_by_staff(staff, paid, bootpay):
    payment = paid(prices=(30_000,))

    first = payment_cancel(payment_pk=payment.pk, actor=staff, reason="partial", amount=10_000)
    payment.refresh_from_db()
    assert first.state == "succeeded" and first.completed_at is not None
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 10_000)
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.PARTIALLY_REFUNDED

    payment_cancel(payment_pk=payment.pk, actor=staff, reason="the rest")
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("cancelled", 30_000)
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.REFUNDED
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 30_000
    assert [c["cancel_id"] for c in bootpay.state.cancellations(payment.receipt_id)] == list(
        payment.cancellations.values_list("cancel_id", flat=True)
    )


def test_a_full_cancel_puts_unshipped_stock_back(staff, paid):
    payment = paid(prices=(10_000, 5_000), quantities=[2, 1])
    first, second = payment.order.items.order_by("pk")
    OrderItem.objects.filter(pk=second.pk).update(shipped=True)
    stock_before = {p.pk: p.stock for p in Product.objects.all()}

    payment_cancel(payment_pk=payment.pk, actor=staff, reason="all")

    assert set(OrderItem.objects.filter(order=payment.order).values_list("status", flat=True)) == {"refunded"}
    assert Product.objects.get(pk=first.product_id).stock == stock_before[first.product_id] + 2
    assert Product.objects.get(pk=second.product_id).stock == stock_before[second.product_id]  # shipped


def test_cancelling_more_than_the_balance_is_refused(staff, paid, bootpay):
    payment = paid(prices=(10_000,))
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="most", amount=9_000)

    error = cancel_error(payment_pk=payment.pk, actor=staff, reason="too much", amount=1_001)

    assert error.code == ErrorCode.CANCEL_EXCEEDS_BALANCE and error.details["balance"] == 1_000
    assert bootpay.state.call_count("POST", "cancel") == 1


def test_a_fully_cancelled_payment_has_no_balance(staff, paid):
    payment = paid()
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="all")

    assert cancel_error(payment_pk=payment.pk, actor=staff, reason="again").code == "cancel_exceeds_balance"


def test_the_same_idempotency_key_cancels_once(staff, paid, bootpay):
    payment = paid(prices=(10_000,))

    first = payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=3_000, idempotency_key="k1")
    retry = payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=3_000, idempotency_key="k1")

    assert first.pk == retry.pk
    assert bootpay.state.call_count("POST", "cancel") == 1
    payment.refresh_from_db()
    assert payment.cancelled_amount == 3_000


def test_an_idempotency_key_belongs_to_whoever_used_it_first(staff, make_user, paid):
    payment = paid(prices=(10_000,))
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=1_000, idempotency_key="k1")

    other_staff = make_user("ops2", is_staff=True)
    error = cancel_error(
        payment_pk=payment.pk, actor=other_staff, reason="y", amount=2_000, idempotency_key="k1"
    )

    assert error.code == ErrorCode.VALIDATION_ERROR


def test_tax_free_lines_cancel_their_tax_free_part(staff, paid, bootpay):
    payment = paid(prices=(10_000, 4_000), tax_free=(1,))
    tax_free_line = payment.order.items.get(is_tax_free=True)

    cancellation = payment_cancel(
        payment_pk=payment.pk, actor=staff, reason="line", item_ids=[tax_free_line.pk]
    )

    assert (cancellation.amount, cancellation.tax_free_amount) == (4_000, 4_000)
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_tax_free"] == 4_000


def test_an_amount_cancel_returns_taxable_money_first(staff, paid):
    payment = paid(prices=(10_000, 4_000), tax_free=(1,))

    first = payment_cancel(payment_pk=payment.pk, actor=staff, reason="a", amount=9_000)
    second = payment_cancel(payment_pk=payment.pk, actor=staff, reason="b", amount=3_000)

    assert (first.tax_free_amount, second.tax_free_amount) == (0, 2_000)


def test_a_seller_cancels_only_its_own_lines(paid, make_seller, make_product, buyer, make_order, pay_at_pg):
    from orders.services import OrderLine, order_create

    mine, theirs = make_seller("mine"), make_seller("theirs")
    my_product = make_product(seller=mine, price=7_000)
    their_product = make_product(seller=theirs, price=3_000)
    order = order_create(buyer=buyer, lines=[OrderLine(my_product.pk, 2), OrderLine(their_product.pk, 1)])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    their_line = order.items.get(product=their_product)

    denied = cancel_error(payment_pk=payment.pk, actor=mine.user, reason="x", item_ids=[their_line.pk])
    assert denied.code == ErrorCode.PERMISSION_DENIED
    assert (
        cancel_error(payment_pk=payment.pk, actor=mine.user, reason="x", amount=100).code
        == "permission_denied"
    )

    cancellation = payment_cancel(payment_pk=payment.pk, actor=mine.user, reason="out of stock")

    assert cancellation.amount == 14_000
    assert list(cancellation.items.values_list("product_id", flat=True)) == [my_product.pk]
    assert order.items.get(product=my_product).status == "refunded"
    assert order.items.get(product=their_product).status == "paid"


def test_a_buyer_cancels_before_shipment_only(buyer, paid):
    payment = paid(prices=(10_000, 5_000))
    first, second = payment.order.items.order_by("pk")
    OrderItem.objects.filter(pk=second.pk).update(shipped=True)

    assert cancel_error(payment_pk=payment.pk, actor=buyer, reason="x").code == "permission_denied"
    assert cancel_error(payment_pk=payment.pk, actor=buyer, reason="x", item_ids=[second.pk]).code == (
        "permission_denied"
    )
    cancellation = payment_cancel(
        payment_pk=payment.pk, actor=buyer, reason="changed my mind", item_ids=[first.pk]
    )
    assert cancellation.amount == 10_000


def test_strangers_may_not_cancel(make_user, paid):
    payment = paid()
    assert (
        cancel_error(payment_pk=payment.pk, actor=make_user("stranger"), reason="x").code
        == "permission_denied"
    )


@pytest.mark.parametrize("item_ids", [[], [999_999]])
def test_lines_must_belong_to_the_order(staff, paid, item_ids):
    payment = paid()
    assert (
        cancel_error(payment_pk=payment.pk, actor=staff, reason="x", item_ids=item_ids).code
        == "validation_error"
    )


@pytest.mark.parametrize("amount", [0, -5, True, 1.5])
def test_amounts_must_be_positive_whole_won(staff, paid, amount):
    payment = paid()
    assert (
        cancel_error(payment_pk=payment.pk, actor=staff, reason="x", amount=amount).code == "validation_error"
    )


@pytest.fixture
def awaiting_deposit(buyer, make_order, pay_at_pg):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    return payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)


def test_the_buyer_withdraws_an_unpaid_virtual_account_and_pays_by_card(
    buyer, awaiting_deposit, pay_at_pg, bootpay
):
    payment = awaiting_deposit

    cancellation = payment_cancel(payment_pk=payment.pk, actor=buyer, reason="card instead")

    payment.refresh_from_db()
    assert cancellation.state == "succeeded" and payment.status == "failed"
    assert bootpay.state.get_receipt(payment.receipt_id)["status"] == 20
    order = Order.objects.get(pk=payment.order_id)
    assert order.status == Order.Status.PENDING_PAYMENT
    card = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    assert card.status == "paid" and Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_only_the_buyer_or_staff_withdraw_a_virtual_account_and_only_whole(
    awaiting_deposit, make_user, buyer
):
    payment = awaiting_deposit

    assert cancel_error(payment_pk=payment.pk, actor=make_user("x"), reason="x").code == "permission_denied"
    assert cancel_error(payment_pk=payment.pk, actor=buyer, reason="x", amount=1).code == "validation_error"
    payment.refresh_from_db()
    assert payment.status == "awaiting_deposit"


def test_a_deposit_racing_the_withdrawal_leaves_the_payment_to_the_deposit(buyer, awaiting_deposit, bootpay):
    payment = awaiting_deposit
    bootpay.state.deposit(payment.receipt_id)  # the money arrived a moment before the withdrawal

    assert cancel_error(payment_pk=payment.pk, actor=buyer, reason="x").code == "gateway_error"
    assert Cancellation.objects.get(payment=payment).state == "failed"
    payment.refresh_from_db()
    assert payment.status == "awaiting_deposit"  # the deposit notice or reconcile completes it


@pytest.mark.parametrize(
    ("fault", "code", "state"),
    [
        (fault, code, "requested" if code == ErrorCode.GATEWAY_UNAVAILABLE else "failed")
        for fault, code in faults_with_codes("RC_CANCEL_SERVER_ERROR")
    ],
)
def test_cancel_faults_never_half_write_money(staff, paid, bootpay, fault, code, state):
    payment = paid(prices=(10_000,))
    bootpay.state.add_fault(path="cancel", times=1, **fault)

    error = cancel_error(payment_pk=payment.pk, actor=staff, reason="x", amount=4_000)

    assert error.code == code
    cancellation = Cancellation.objects.get(payment=payment)
    assert cancellation.state == state
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("paid", 0)
    # an unknown outcome still holds the balance, so nobody can over-refund meanwhile
    expected_balance = 6_000 if state == "requested" else 10_000
    over = cancel_error(payment_pk=payment.pk, actor=staff, reason="y", amount=expected_balance + 1)
    assert over.code == ErrorCode.CANCEL_EXCEEDS_BALANCE


@pytest.mark.parametrize("duplicate_policy", ["refuse", "replay"])
@pytest.mark.parametrize("reached_pg", [True, False])
def test_reconcile_settles_a_cancel_that_timed_out(staff, paid, bootpay, duplicate_policy, reached_pg):
    # given a cancel whose answer never came back (it may or may not have reached Bootpay)
    payment = paid(prices=(10_000,))
    bootpay.state.update_settings(duplicate_cancel_id=duplicate_policy)
    bootpay.state.add_fault(path="cancel", mode="hang", latency_s=10, times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="x", amount=4_000)
    cancellation = Cancellation.objects.get(payment=payment)
    if reached_pg:  # Bootpay applied it; only the reply was lost
        bootpay.state.cancel(payment.receipt_id, cancel_price=4_000, cancel_id=cancellation.cancel_id)

    # when reconcile runs
    counts = payment_reconcile(older_than_minutes=0)

    # then the cancellation is settled exactly once, whatever Bootpay does with the repeated id
    cancellation.refresh_from_db()
    payment.refresh_from_db()
    assert counts["cancellations_checked"] == 1
    assert cancellation.state == "succeeded"
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 4_000)
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 4_000
    assert payment_reconcile(older_than_minutes=0)["cancellations_checked"] == 0
