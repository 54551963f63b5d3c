import pytest

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem
from payments.models import Cancellation, Payment, PaymentEvent
from payments.services import payment_verify
from tests.payments.faults import faults_with_codes

pytestmark = pytest.mark.django_db


def verify_error(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        payment_verify(**kwargs)
    return error.value


def test_a_card_payment_pays_the_order(buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000, 8_000), tax_free=(1,))
    receipt_id = pay_at_pg(order)

    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert (payment.status, payment.amount, payment.tax_free_amount) == ("paid", 20_000, 8_000)
    assert payment.method == "card" and payment.sandbox is True and payment.purchased_at is not None
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at is not None
    assert set(order.items.values_list("status", flat=True)) == {OrderItem.Status.PAID}
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.kind, event.from_status, event.to_status, event.actor) == ("verified", "", "paid", buyer)
    assert event.pg_response["receipt_id"] == receipt_id


def test_verifying_the_same_pair_again_changes_nothing(buyer, make_order, pay_at_pg):
    order = make_order()
    receipt_id = pay_at_pg(order)

    first = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    second = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert first.pk == second.pk
    assert PaymentEvent.objects.filter(payment=first).count() == 1


def test_separate_approval_waits_for_confirm(buyer, make_order, pay_at_pg):
    order = make_order()
    payment = payment_verify(
        order_id=order.order_id, receipt_id=pay_at_pg(order, state="awaiting_confirm"), actor=buyer
    )

    assert payment.status == "awaiting_confirm"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


def test_a_virtual_account_waits_for_the_deposit(buyer, make_order, pay_at_pg):
    order = make_order()
    payment = payment_verify(
        order_id=order.order_id,
        receipt_id=pay_at_pg(order, method="vbank", state="vbank_issued"),
        actor=buyer,
    )

    assert payment.status == "awaiting_deposit" and payment.method == "vbank"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("tamper", "expected_problem"),
    [({"price": 100}, "price"), ({"tax_free": 5_000}, "tax_free")],
)
def test_a_tampered_amount_is_refused_and_refunded_at_the_pg(
    buyer, make_order, pay_at_pg, bootpay, tamper, expected_problem
):
    # given a receipt for our order whose amounts differ from what we computed
    order = make_order(prices=(10_000,))
    receipt_id = pay_at_pg(order, **tamper)

    # when the buyer asks us to accept it
    error = verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    # then it is refused, the charge is cancelled at Bootpay, and the evidence is kept
    assert error.code == ErrorCode.AMOUNT_MISMATCH
    assert expected_problem in error.details["problems"]
    at_pg = bootpay.state.get_receipt(receipt_id)
    assert at_pg["status"] == 20 and at_pg["cancelled_price"] == at_pg["price"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    payment = Payment.objects.get(receipt_id=receipt_id)
    assert payment.status == "failed" and payment.cancelled_amount == at_pg["price"]
    kinds = list(payment.events.values_list("kind", flat=True))
    assert kinds == ["verify_rejected", "cancel_requested", "cancel_succeeded"]
    rejected = payment.events.get(kind="verify_rejected")
    assert rejected.data["problems"][expected_problem]["expected"] == getattr(
        order, {"price": "total_amount", "tax_free": "tax_free_amount"}[expected_problem]
    )

    # and asking again gives the same answer without a second refund
    again = verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert again.code == ErrorCode.AMOUNT_MISMATCH
    assert bootpay.state.call_count("POST", "cancel") == 1


def test_a_tampered_separate_approval_is_never_confirmed_nor_cancelled(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, price=1_000, state="awaiting_confirm")

    assert verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == "amount_mismatch"
    assert bootpay.state.calls().get("POST confirm", 0) == 0
    assert bootpay.state.calls().get("POST cancel", 0) == 0  # not charged: nothing to refund


def test_a_receipt_for_another_order_is_refused_and_left_alone(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, order_id="ord_someone_else")

    error = verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert error.code == ErrorCode.RECEIPT_ORDER_MISMATCH
    assert bootpay.state.calls().get("POST cancel", 0) == 0
    assert bootpay.state.get_receipt(receipt_id)["status"] == 1
    assert not Payment.objects.exists()


def test_a_receipt_reused_for_a_second_order_is_refused(buyer, make_order, pay_at_pg, bootpay):
    first, second = make_order(prices=(10_000,)), make_order(prices=(10_000,))
    receipt_id = pay_at_pg(first)
    payment_verify(order_id=first.order_id, receipt_id=receipt_id, actor=buyer)

    error = verify_error(order_id=second.order_id, receipt_id=receipt_id, actor=buyer)

    assert error.code == ErrorCode.RECEIPT_ALREADY_USED
    assert bootpay.state.calls().get("POST cancel", 0) == 0
    assert Order.objects.get(pk=first.pk).status == Order.Status.PAID
    assert Order.objects.get(pk=second.pk).status == Order.Status.PENDING_PAYMENT


def test_a_second_payment_for_a_paid_order_is_refunded(buyer, make_order, pay_at_pg, bootpay):
    # the buyer paid twice from two tabs
    order = make_order()
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    duplicate = pay_at_pg(order)

    error = verify_error(order_id=order.order_id, receipt_id=duplicate, actor=buyer)

    assert error.code == ErrorCode.ORDER_NOT_PAYABLE
    assert bootpay.state.get_receipt(duplicate)["cancelled_price"] == order.total_amount
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_payment_for_an_expired_order_is_refunded(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.EXPIRED)
    receipt_id = pay_at_pg(order)

    assert (
        verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == "order_not_payable"
    )
    assert bootpay.state.get_receipt(receipt_id)["status"] == 20


def test_a_failed_receipt_is_recorded_and_refused(buyer, make_order, pay_at_pg):
    order = make_order()
    receipt_id = pay_at_pg(order, state="failed")

    assert verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == "payment_failed"
    assert Payment.objects.get(receipt_id=receipt_id).status == "failed"
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


def test_someone_elses_order_is_not_found(make_user, make_order, pay_at_pg):
    order = make_order()
    receipt_id = pay_at_pg(order)

    error = verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=make_user("intruder"))

    assert error.code == ErrorCode.ORDER_NOT_FOUND
    assert not Payment.objects.exists()


@pytest.mark.parametrize("receipt_id", ["", "../cancel", "a" * 65, None, 12345])
def test_a_malformed_receipt_id_is_a_validation_error(buyer, make_order, bootpay, receipt_id):
    order = make_order()
    assert (
        verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == "validation_error"
    )
    assert bootpay.state.calls() == {}


def test_an_unknown_receipt_is_a_validation_error(buyer, make_order, bootpay):
    order = make_order()
    assert verify_error(order_id=order.order_id, receipt_id="f" * 24, actor=buyer).code == "validation_error"


@pytest.mark.parametrize(("fault", "code"), faults_with_codes("RC_SOMETHING"))
def test_gateway_faults_during_verify_write_nothing(buyer, make_order, pay_at_pg, bootpay, fault, code):
    order = make_order()
    receipt_id = pay_at_pg(order)
    bootpay.state.add_fault(path="receipt", times=1, **fault)

    assert verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == code
    assert not Payment.objects.exists()
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT

    # and once Bootpay answers again, the same call succeeds
    assert payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).status == "paid"


def test_a_refund_that_times_out_stays_requested_for_reconcile(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, price=1)
    bootpay.state.add_fault(path="cancel", mode="hang", latency_s=10, times=1)

    assert verify_error(order_id=order.order_id, receipt_id=receipt_id, actor=buyer).code == "amount_mismatch"

    cancellation = Cancellation.objects.get(payment__receipt_id=receipt_id)
    assert cancellation.state == Cancellation.State.REQUESTED


def test_verify_costs_a_fixed_number_of_queries_and_pg_calls(
    buyer, make_order, pay_at_pg, bootpay, django_assert_num_queries
):
    order = make_order(prices=(10_000, 5_000))
    receipt_id = pay_at_pg(order)

    # order, receipt check; under the lock: order, receipt re-check, live-payment check, payment insert,
    # event, order and line updates; plus 4 savepoint statements (the test runs inside a transaction, so
    # the after-commit "is this a subscription's period?" lookup does not run here: one more in autocommit);
    # plus the outbox's `order.paid`: the paid payment, the order's lines for its snapshot, the insert in
    # a savepoint (3) and its readers (the sellers of its lines); plus the statement's sale booking: one
    # INSERT … SELECT of the lines per seller (payments.statements.services.sale_book)
    with django_assert_num_queries(20):
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    with django_assert_num_queries(2):  # the retry: order and payment lookups, no PG call
        payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert bootpay.state.calls() == {"POST request/token": 1, "GET receipt": 1}


def test_a_paid_receipt_without_purchased_at_is_booked_as_paid_now_and_keeps_that_moment(
    buyer, make_order, pay_at_pg, bootpay
):
    # Statements book a sale on the day its money was taken: a paid payment always knows that moment,
    # and a later receipt that leaves it out (a cancel's answer, a webhook) does not erase it.
    from django.utils import timezone

    from payments.gateway import Receipt
    from payments.services.common import Actor
    from payments.services.sync import payment_sync_from_receipt

    order = make_order()
    receipt_id = pay_at_pg(order)
    with bootpay.state.lock:
        bootpay.state._receipts[receipt_id]["purchased_at"] = None
    before = timezone.now()

    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    assert payment.status == "paid" and payment.purchased_at is not None
    assert before <= payment.purchased_at <= timezone.now()
    booked = payment.purchased_at
    later = Receipt.from_payload({**bootpay.state.get_receipt(receipt_id), "purchased_at": None})
    payment_sync_from_receipt(receipt=later, actor=Actor(label="test"))
    payment.refresh_from_db()
    assert payment.purchased_at == booked
