"""Who reads an event, and what of it: a seller what the orders API shows it (its lines, their sum; not
the order's totals, the buyer, the payment or a cash receipt), and only the events about its lines."""

from __future__ import annotations

import pytest

from orders.services import OrderLine, order_create
from payments.events.models import Event
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_order(buyer, make_seller, make_product, pay_at_pg, bootpay):
    """One order, a 11,000 line of shop A and a 77,000 line of shop B, paid."""
    a, b = make_seller("shop-a"), make_seller("shop-b")
    lines = [make_product(seller=a, price=11_000), make_product(seller=b, price=77_000)]
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1) for product in lines])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    return order, payment, a, b


def _listed(client) -> list[dict]:
    answer = client.get("/api/v1/events/")
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_a_seller_reads_its_lines_and_their_sum_never_the_orders_totals_the_buyer_or_the_payment(
    api_client_for, shared_order
):
    order, _, a, _ = shared_order
    (paid,) = _listed(api_client_for(a.user))

    assert paid["type"] == "order.paid"
    snapshot = paid["data"]["order"]
    assert [line["seller_id"] for line in snapshot["items"]] == [a.pk]
    assert snapshot["seller_total"] == 11_000
    assert snapshot["total_amount"] is None and snapshot["tax_free_amount"] is None
    assert snapshot["buyer_id"] is None
    assert paid["data"]["payment"] is None  # the buyer's method and amounts are the buyer's


def test_a_refund_of_one_sellers_line_is_read_by_that_seller_only(api_client_for, make_user, shared_order):
    order, payment, a, b = shared_order
    line_b = order.items.get(seller=b)
    payment_cancel(payment_pk=payment.pk, actor=b.user, reason="재고 없음", item_ids=[line_b.pk])

    types_a = [event["type"] for event in _listed(api_client_for(a.user))]
    listed_b = _listed(api_client_for(b.user))
    assert types_a == ["order.paid"]
    assert [event["type"] for event in listed_b] == ["order.paid", "refund.requested", "refund.succeeded"]
    refund = listed_b[-1]["data"]["refund"]
    assert refund["item_ids"] == [line_b.pk] and refund["amount"] == 77_000
    assert refund["shares"] == [{"seller_id": b.pk, "amount": 77_000}]


@pytest.mark.parametrize("how", ["whole", "amount"])
def test_a_refund_naming_no_line_is_read_by_each_seller_it_is_charged_to_with_its_share_only(
    api_client_for, make_user, shared_order, how
):
    # A whole cancel or an amount refund names no line, yet every seller's statement is charged a
    # share: each is told (a seller must not ship a refunded order), and reads only its own part.
    order, payment, a, b = shared_order
    staff = make_user(is_staff=True)
    amount = None if how == "whole" else 8_800
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="주문 취소", amount=amount)

    for seller in (a, b):
        (succeeded,) = [e for e in _listed(api_client_for(seller.user)) if e["type"] == "refund.succeeded"]
        refund = succeeded["data"]["refund"]
        assert [share["seller_id"] for share in refund["shares"]] == [seller.pk]
        assert refund["amount"] == refund["shares"][0]["amount"] > 0
    staff_view = [e for e in _listed(api_client_for(staff)) if e["type"] == "refund.succeeded"][0]
    shares = staff_view["data"]["refund"]["shares"]
    assert sum(share["amount"] for share in shares) == (88_000 if how == "whole" else 8_800)


def test_a_virtual_account_withdrawn_before_its_deposit_is_no_refund(buyer, make_order, pay_at_pg, bootpay):
    order = make_order()
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)

    payment_cancel(payment_pk=payment.pk, actor=buyer, reason="안 살래요")

    types = list(Event.objects.values_list("type", flat=True))
    assert "payment.virtual_account_issued" in types
    assert not [kind for kind in types if kind.startswith("refund.")]
