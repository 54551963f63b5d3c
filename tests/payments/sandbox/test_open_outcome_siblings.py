"""Siblings of the open charge outcome, in the payment core, against the Bootpay emulator over HTTP (the
real SDK, its faults, its webhooks), on PostgreSQL.

An outcome we do not know is a fact about money: once a call to Bootpay may have applied, no later state
change may erase it; it stays visible (a payment still `awaiting_confirm`, a cancellation `requested`, an
escrow registration `requested`) until a receipt settles it, and then the money at Bootpay equals our
books. Here: a confirm whose answer was lost while its order closes; a virtual account withdrawn without
an answer while the buyer deposits; a refund without an answer followed by another refund or a shipment;
an escrow registration without an answer while its line is refunded.
"""

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Product
from orders.services import (
    OrderLine,
    order_cancel_unpaid,
    order_create,
    order_expire_unpaid,
    order_item_mark_shipped,
)
from payments.gateway import RefundAccount
from payments.models import Cancellation, EscrowRegistration, Payment
from payments.sandbox.webhooks import send_webhook
from payments.services import (
    payment_cancel,
    payment_confirm,
    payment_reconcile,
    payment_verify,
)
from payments.statements.reconcile import statement_reconcile
from payments.statements.selectors import STATEMENT_TIME_ZONE
from payments.webhooks import webhook_process, webhook_receive
from tests.payments.webhook_receiver import Receiver

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

LOST = ["lost_answer", "latency"]  # applied at Bootpay; the answer never came, or came after our timeout
REFUND_ACCOUNT = RefundAccount(bank_code="004", bank_account="12345678901234", bank_username="구매자")


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


def _fault(bootpay, path: str, fault: str) -> None:
    """The next call on `path` is applied at Bootpay, but we never hear back in time (timeout 1 s)."""
    latency = {"latency_s": 1.5} if fault == "latency" else {}
    bootpay.state.add_fault(path=path, mode=fault, times=1, **latency)


def _unavailable(call) -> None:
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == ErrorCode.GATEWAY_UNAVAILABLE


def _until(condition, timeout: float = 5.0) -> None:
    """Wait for Bootpay to have applied a call whose caller gave up (a latency fault)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "Bootpay never applied the call"
        time.sleep(0.05)


def _hand_over(receiver: Receiver, count: int) -> list[dict]:
    """Hand every webhook Bootpay sent, in order, to our webhook path until `count` were handed over."""
    handed = getattr(receiver, "handed", 0)
    bodies = []
    for entry in receiver.wait_for(count)[handed:count]:
        delivery = webhook_receive(
            raw_body=entry["body"], content_type=entry["content_type"], headers={}, remote_ip=None
        )
        webhook_process(delivery_pk=delivery.pk)
        bodies.append(json.loads(entry["body"]))
    receiver.handed = max(handed, count)
    return bodies


def _announce(receiver: Receiver, bootpay, receipt_id: str) -> None:
    """Bootpay's notice of a change the emulator does not notify by itself (a deposit)."""
    send_webhook(bootpay.state.get_receipt(receipt_id), receiver.url)


def _requested(payment: Payment) -> list[Cancellation]:
    return list(payment.cancellations.filter(state=Cancellation.State.REQUESTED))


def _books_equal_bootpay(bootpay) -> None:
    """After settlement: for every receipt, the money Bootpay keeps is the money our books keep, the
    cancelled totals agree, nothing is left open, and the statement reconciliation finds no difference."""
    for receipt in bootpay.state.list_receipts():
        payment = Payment.objects.get(receipt_id=receipt["receipt_id"])
        kept_at_bootpay = receipt["price"] - receipt["cancelled_price"] if receipt["purchased_at"] else 0
        sold = payment.status in Payment.SOLD_STATUSES
        kept_in_books = payment.amount - payment.cancelled_amount if sold else 0
        assert kept_in_books == kept_at_bootpay, (receipt["receipt_id"], payment.status)
        assert (payment.cancelled_amount, payment.cancelled_tax_free_amount) == (
            receipt["cancelled_price"],
            receipt["cancelled_tax_free"],
        )
        assert not _requested(payment)
    today = datetime.now(ZoneInfo(STATEMENT_TIME_ZONE)).date()
    report = statement_reconcile(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1))
    assert [str(difference) for difference in report.differences] == []


def _stock(order: Order) -> int:
    return sum(Product.objects.get(pk=item.product_id).stock for item in order.items.all())


# --- 1. A confirm whose answer was lost, while the order closes ------------------------------------


@pytest.fixture
def unconfirmed(buyer, make_order, pay_at_pg):
    order = make_order(prices=(12_000,), stock=5)
    receipt_id = pay_at_pg(order, state="awaiting_confirm")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.status == "awaiting_confirm"
    return order, payment


def _expire(order, buyer):
    order_expire_unpaid(now=timezone.now() + timedelta(hours=1))
    return Order.Status.EXPIRED


def _buyer_cancels(order, buyer):
    order_cancel_unpaid(order_pk=order.pk, actor=buyer)
    return Order.Status.CANCELLED


def _buyer_withdraws(order, buyer):
    """The buyer withdraws the payment itself (to pay another way): the order stays open."""
    payment = order.payments.get()
    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="다른 수단으로 결제")
    return Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize("withdrawal_answer", ["answered", "lost"])
@pytest.mark.parametrize("close", [_expire, _buyer_cancels, _buyer_withdraws])
@pytest.mark.parametrize("fault", LOST)
def test_a_confirm_bootpay_applied_unheard_then_the_order_closes_gives_the_money_back(
    fault, close, withdrawal_answer, unconfirmed, buyer, bootpay, receiver
):
    order, payment = unconfirmed
    _fault(bootpay, "confirm", fault)
    _unavailable(lambda: payment_confirm(payment_pk=payment.pk, actor=buyer))
    _until(lambda: bootpay.state.get_receipt(payment.receipt_id)["status"] == 1)  # Bootpay took the money
    payment.refresh_from_db()
    assert payment.status == "awaiting_confirm"  # open: nothing decided on our side

    if withdrawal_answer == "lost":
        bootpay.state.add_fault(path="cancel", mode="lost_answer", times=1)
    closed_as = close(order, buyer)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, payment.status) == (closed_as, "failed")
    withdrawal = payment.cancellations.get()
    assert withdrawal.amount == 12_000
    # The withdrawal refunded the approved charge; unheard, it stays requested (visible), never failed.
    assert withdrawal.state == ("succeeded" if withdrawal_answer == "answered" else "requested")
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 12_000

    _hand_over(receiver, 2)  # the confirm's notice, then the cancel's
    payment.refresh_from_db()
    assert payment.status == "failed" and payment.cancellations.count() == 1  # no second refund
    payment_reconcile(older_than_minutes=0)

    withdrawal.refresh_from_db()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert withdrawal.state == "succeeded" and payment.cancelled_amount == 12_000
    assert order.status == closed_as
    assert _stock(order) == (4 if closed_as == Order.Status.PENDING_PAYMENT else 5)
    assert bootpay.state.call_count("POST", "cancel") == (1 if withdrawal_answer == "answered" else 2)
    assert len(bootpay.state.cancellations(payment.receipt_id)) == 1
    _books_equal_bootpay(bootpay)


@pytest.mark.parametrize("close", [_expire, _buyer_cancels])
def test_a_withdrawal_that_overtakes_a_slow_confirm_voids_it_and_the_confirm_is_refused(
    close, unconfirmed, buyer, bootpay, receiver
):
    order, payment = unconfirmed
    bootpay.state.add_fault(path="confirm", mode="latency", latency_s=1.5, times=1)
    _unavailable(lambda: payment_confirm(payment_pk=payment.pk, actor=buyer))
    assert bootpay.state.get_receipt(payment.receipt_id)["status"] == 2  # the confirm is still on its way

    closed_as = close(order, buyer)  # the withdrawal reaches Bootpay first and voids the approval

    _until(lambda: bootpay.state.call_count("POST", "confirm") == 1)
    time.sleep(0.2)  # the slow confirm is answered (refused) by now
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert receipt["status"] == 20 and receipt["purchased_at"] is None  # no money was ever taken
    _hand_over(receiver, 1)  # the withdrawal's notice only: a refused confirm notifies nothing
    payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status, _stock(order)) == ("failed", closed_as, 5)
    assert payment.cancellations.get().state == "succeeded"
    _books_equal_bootpay(bootpay)


@pytest.mark.parametrize("settle_by", ["webhook", "reconcile"])
def test_a_slow_confirm_landing_after_bootpay_refused_the_withdrawal_is_refunded(
    settle_by, unconfirmed, buyer, bootpay, receiver
):
    """Bootpay refuses to void the approval (some PGs may) while our timed-out confirm is still on its
    way; the confirm then takes the money for an order already closed. The failed payment's refund rule
    gives it back, from the confirm's notice or from reconcile (a withdrawal refused lately)."""
    order, payment = unconfirmed
    bootpay.state.add_fault(path="confirm", mode="latency", latency_s=1.5, times=1)
    _unavailable(lambda: payment_confirm(payment_pk=payment.pk, actor=buyer))
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_SERVER_ERROR", times=1)

    order_cancel_unpaid(order_pk=order.pk, actor=buyer)

    payment.refresh_from_db()
    assert payment.status == "failed" and payment.cancellations.get().state == "failed"
    _until(lambda: bootpay.state.get_receipt(payment.receipt_id)["status"] == 1)  # the confirm landed
    if settle_by == "webhook":
        _hand_over(receiver, 1)  # the confirm's notice
    else:
        payment_reconcile(older_than_minutes=0)
    payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status, payment.cancelled_amount) == ("failed", "cancelled", 12_000)
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 12_000
    _books_equal_bootpay(bootpay)


@pytest.mark.parametrize("settle_by", ["webhook", "reconcile"])
@pytest.mark.parametrize("fault", LOST)
def test_a_confirm_bootpay_applied_unheard_on_a_payable_order_is_booked_paid(
    fault, settle_by, unconfirmed, buyer, bootpay, receiver
):
    order, payment = unconfirmed
    _fault(bootpay, "confirm", fault)
    _unavailable(lambda: payment_confirm(payment_pk=payment.pk, actor=buyer))
    _until(lambda: bootpay.state.get_receipt(payment.receipt_id)["status"] == 1)

    if settle_by == "webhook":
        _hand_over(receiver, 1)
    else:
        payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("paid", Order.Status.PAID)
    # The order is paid now: the buyer can no longer close it, and nothing was refunded.
    with pytest.raises(DomainError) as error:
        order_cancel_unpaid(order_pk=order.pk, actor=buyer)
    assert error.value.code == ErrorCode.ORDER_NOT_PAYABLE
    assert order_expire_unpaid(now=timezone.now() + timedelta(hours=1)) == []
    assert bootpay.state.call_count("POST", "cancel") == 0
    _books_equal_bootpay(bootpay)


# --- 2a. A virtual account withdrawn without an answer, while the buyer deposits -------------------


@pytest.fixture
def issued_vbank(buyer, make_order, pay_at_pg):
    order = make_order(prices=(18_000,), stock=5)
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.status == "awaiting_deposit"
    return order, payment


def test_a_withdrawal_bootpay_applied_unheard_refuses_the_deposit_and_settles_failed(
    issued_vbank, buyer, bootpay, receiver
):
    order, payment = issued_vbank
    bootpay.state.add_fault(path="cancel", mode="lost_answer", times=1)
    _unavailable(lambda: payment_cancel(payment_pk=payment.pk, actor=buyer, reason="다른 수단으로 결제"))
    with pytest.raises(Exception, match="status 5"):
        bootpay.state.deposit(payment.receipt_id)  # the account is gone at Bootpay: no deposit lands

    payment.refresh_from_db()
    (withdrawal,) = _requested(payment)  # open, and visible
    assert payment.status == "awaiting_deposit"

    _hand_over(receiver, 1)  # Bootpay's notice of the withdrawal: the payment took no money
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert _requested(payment) == [withdrawal]  # the notice does not erase the open cancel

    payment_reconcile(older_than_minutes=0)

    withdrawal.refresh_from_db()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert withdrawal.state == "succeeded" and payment.status == "failed"
    assert order.status == Order.Status.PENDING_PAYMENT  # open for another payment
    _books_equal_bootpay(bootpay)


@pytest.mark.parametrize("settle_by", ["webhook", "reconcile"])
def test_a_deposit_racing_a_withdrawal_whose_refusal_was_lost_books_the_deposit(
    settle_by, issued_vbank, buyer, bootpay, receiver
):
    order, payment = issued_vbank
    bootpay.state.deposit(payment.receipt_id)  # the buyer paid in first
    bootpay.state.add_fault(path="cancel", mode="lost_answer", times=1)
    # Bootpay refuses the withdrawal of a deposited account (no refund account), but the answer is lost.
    _unavailable(lambda: payment_cancel(payment_pk=payment.pk, actor=buyer, reason="다른 수단으로 결제"))
    payment.refresh_from_db()
    (withdrawal,) = _requested(payment)
    assert payment.status == "awaiting_deposit"

    if settle_by == "webhook":
        _announce(receiver, bootpay, payment.receipt_id)
        _hand_over(receiver, 1)
        payment.refresh_from_db()
        assert payment.status == "paid" and _requested(payment) == [withdrawal]  # still open
        # While it is open, it counts as spent: no second refund gets past it.
        with pytest.raises(DomainError) as error:
            payment_cancel(payment_pk=payment.pk, actor=buyer, reason="환불", refund=REFUND_ACCOUNT)
        assert error.value.code == ErrorCode.CANCEL_EXCEEDS_BALANCE
    payment_reconcile(older_than_minutes=0)

    withdrawal.refresh_from_db()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert withdrawal.state == "failed"  # Bootpay's word: it was never applied
    assert (payment.status, order.status) == ("paid", Order.Status.PAID)
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 0
    _books_equal_bootpay(bootpay)


# --- 2b. A refund without an answer, then another refund or a shipment -----------------------------


@pytest.fixture
def paid_card(buyer, make_order, pay_at_pg):
    order = make_order(prices=(10_000, 20_000, 30_000), tax_free=(2,), stock=5)
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    assert payment.status == "paid"
    return order, payment, list(order.items.order_by("pk"))


def _refund_remainder(payment, lines, buyer, staff):
    return payment_cancel(payment_pk=payment.pk, actor=staff, reason="남은 금액 환불")


def _refund_other_line(payment, lines, buyer, staff):
    return payment_cancel(payment_pk=payment.pk, actor=buyer, reason="단순 변심", item_ids=[lines[1].pk])


def _refund_an_amount(payment, lines, buyer, staff):
    return payment_cancel(payment_pk=payment.pk, actor=staff, reason="부분 환불", amount=5_000)


@pytest.mark.parametrize("then", [_refund_remainder, _refund_other_line, _refund_an_amount])
@pytest.mark.parametrize("fault", [*LOST, "reset"])
def test_a_refund_unheard_then_another_refund_never_refunds_twice(
    fault, then, paid_card, buyer, staff, bootpay, receiver
):
    order, payment, lines = paid_card
    if fault == "reset":  # never reached Bootpay, and we cannot know it
        bootpay.state.add_fault(path="cancel", mode="reset", times=1)
    else:
        _fault(bootpay, "cancel", fault)
    _unavailable(
        lambda: payment_cancel(payment_pk=payment.pk, actor=buyer, reason="단순 변심", item_ids=[lines[0].pk])
    )
    if fault != "reset":
        _until(lambda: bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 10_000)
    (first,) = _requested(payment)

    # The same line again, by anyone, is refused while the first is open; and so is its shipment.
    with pytest.raises(DomainError) as error:
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="again", item_ids=[lines[0].pk])
    assert error.value.code == ErrorCode.CANCEL_IN_PROGRESS
    with pytest.raises(DomainError) as error:
        order_item_mark_shipped(order_pk=order.pk, item_pk=lines[0].pk, actor=staff)
    assert error.value.code == ErrorCode.CANCEL_IN_PROGRESS

    second = then(payment, lines, buyer, staff)
    assert second.state == "succeeded"
    payment.refresh_from_db()
    assert _requested(payment) == [first]  # the second refund's settle did not absorb the first

    _hand_over(receiver, 1 if fault == "reset" else 2)  # the cancels' notices
    payment.refresh_from_db()
    assert _requested(payment) == [first]
    payment_reconcile(older_than_minutes=0)  # the first is sent again with its cancel_id

    first.refresh_from_db()
    payment.refresh_from_db()
    assert first.state == "succeeded"
    assert payment.cancellations.count() == 2  # nothing booked "at Bootpay": both are ours
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    assert receipt["cancelled_price"] == 10_000 + second.amount
    assert len(bootpay.state.cancellations(payment.receipt_id)) == 2  # no double refund
    assert OrderItem.objects.get(pk=lines[0].pk).status == OrderItem.Status.REFUNDED
    _books_equal_bootpay(bootpay)


@pytest.mark.parametrize("fault", LOST)
def test_a_full_refund_bootpay_applied_unheard_leaves_nothing_to_refund_again(
    fault, paid_card, buyer, staff, bootpay, receiver
):
    order, payment, _lines = paid_card
    _fault(bootpay, "cancel", fault)
    _unavailable(lambda: payment_cancel(payment_pk=payment.pk, actor=buyer, reason="전체 환불"))
    _until(lambda: bootpay.state.get_receipt(payment.receipt_id)["status"] == 20)

    with pytest.raises(DomainError) as error:
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="전체 환불", amount=1_000)
    assert error.value.code == ErrorCode.CANCEL_EXCEEDS_BALANCE
    _hand_over(receiver, 1)
    payment.refresh_from_db()
    assert payment.status == "paid" and len(_requested(payment)) == 1  # open until settled
    payment_reconcile(older_than_minutes=0)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status, payment.cancellations.count()) == ("cancelled", "refunded", 1)
    assert bootpay.state.call_count("POST", "cancel") == 2  # the first, and reconcile's same cancel_id
    assert len(bootpay.state.cancellations(payment.receipt_id)) == 1
    _books_equal_bootpay(bootpay)


# --- 3. An escrow registration without an answer, while its line is refunded -----------------------


@pytest.fixture
def escrow_order(buyer, make_seller, make_product, pay_at_pg):
    shop = make_seller("escrow-shop")
    first, second = make_product(seller=shop, price=7_000), make_product(seller=shop, price=3_000)
    order = order_create(buyer=buyer, lines=[OrderLine(first.pk, 1), OrderLine(second.pk, 2)])
    receipt_id = pay_at_pg(order, escrow=True)
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    assert payment.escrow and payment.status == "paid"
    return order, payment, list(order.items.order_by("pk")), shop


@pytest.mark.parametrize("refund_answer", ["answered", "lost"])
@pytest.mark.parametrize("registration_fault", ["lost_answer", "latency", "reset"])
@pytest.mark.parametrize("refund", ["line", "whole"])
def test_an_escrow_registration_unheard_while_the_line_is_refunded_is_settled_and_the_refund_kept(
    refund, registration_fault, refund_answer, escrow_order, staff, bootpay, receiver
):
    order, payment, lines, shop = escrow_order
    if registration_fault == "reset":  # never reached Bootpay, and we cannot know it
        bootpay.state.add_fault(path="escrow/shipping/start", mode="reset", times=1)
    else:
        _fault(bootpay, "escrow/shipping/start", registration_fault)
    order_item_mark_shipped(
        order_pk=order.pk,
        item_pk=lines[0].pk,
        actor=shop.user,
        courier="CJ대한통운",
        tracking_number="1234-5678",
    )
    registration = EscrowRegistration.objects.get(payment=payment)
    assert registration.state == "requested"
    applied = registration_fault != "reset"
    if applied:
        _until(lambda: bootpay.state.shipment(payment.receipt_id) is not None)

    if refund_answer == "lost":
        bootpay.state.add_fault(path="cancel", mode="lost_answer", times=1)
    items = [lines[0].pk] if refund == "line" else None

    def call():
        return payment_cancel(payment_pk=payment.pk, actor=staff, reason="반품", item_ids=items)

    if refund_answer == "lost":
        _unavailable(call)
    else:
        assert call().state == "succeeded"
    registration.refresh_from_db()
    assert registration.state == "requested"  # the refund erased nothing

    _hand_over(receiver, 1)  # the cancel's notice
    payment_reconcile(older_than_minutes=0)

    registration.refresh_from_db()
    payment.refresh_from_db()
    refund_row = payment.cancellations.get()
    assert refund_row.state == "succeeded"  # the refund is kept
    refunded = 7_000 if refund == "line" else 13_000
    assert payment.cancelled_amount == refunded
    assert OrderItem.objects.get(pk=lines[0].pk).status == OrderItem.Status.REFUNDED
    receipt = bootpay.state.get_receipt(payment.receipt_id)
    if applied:  # Bootpay registered it: so do we
        assert registration.state == "succeeded"
    elif refund == "line":  # sent again by reconcile: what is left of the payment ships
        assert registration.state == "succeeded" and receipt["escrow_data"]["shipping_started_at"]
    else:  # nothing left to ship: Bootpay's refusal settles it
        assert registration.state == "failed" and receipt["escrow_data"]["shipping_started_at"] is None
    assert payment_reconcile(older_than_minutes=0)["escrow_checked"] == 0
    _books_equal_bootpay(bootpay)
