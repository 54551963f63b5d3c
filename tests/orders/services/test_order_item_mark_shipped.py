import pytest

from config.errors import DomainError, ErrorCode
from orders.models import OrderItem
from orders.services import OrderLine, order_create, order_item_mark_shipped
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(buyer, make_seller, make_product, pay_at_pg):
    shop, other = make_seller("shop"), make_seller("other")
    mine, theirs = make_product(seller=shop, price=4_000), make_product(seller=other, price=6_000)
    order = order_create(buyer=buyer, lines=[OrderLine(mine.pk, 1), OrderLine(theirs.pk, 1)])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    return order, payment, shop, other


def ship_error(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        order_item_mark_shipped(**kwargs)
    return error.value


def test_the_seller_ships_its_line_and_the_buyer_can_no_longer_cancel_it(buyer, paid_order):
    order, payment, shop, _ = paid_order
    line = order.items.get(seller=shop)

    order_item_mark_shipped(order_pk=order.pk, item_pk=line.pk, actor=shop.user)
    order_item_mark_shipped(order_pk=order.pk, item_pk=line.pk, actor=shop.user)  # idempotent

    assert OrderItem.objects.get(pk=line.pk).shipped is True
    with pytest.raises(DomainError) as error:
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="x", item_ids=[line.pk])
    assert error.value.code == ErrorCode.PERMISSION_DENIED
    other_line = order.items.exclude(pk=line.pk).get()
    assert (
        payment_cancel(payment_pk=payment.pk, actor=buyer, reason="x", item_ids=[other_line.pk]).amount
        == 6_000
    )


def test_only_the_lines_seller_or_staff_ship_it(buyer, make_user, paid_order):
    order, _, shop, other = paid_order
    line = order.items.get(seller=shop)

    assert (
        ship_error(order_pk=order.pk, item_pk=line.pk, actor=other.user).code == ErrorCode.PERMISSION_DENIED
    )
    assert ship_error(order_pk=order.pk, item_pk=line.pk, actor=buyer).code == ErrorCode.PERMISSION_DENIED
    order_item_mark_shipped(order_pk=order.pk, item_pk=line.pk, actor=make_user("ops", is_staff=True))


def test_unpaid_lines_and_foreign_lines_do_not_ship(buyer, make_order, paid_order):
    order, _, shop, _ = paid_order
    unpaid = make_order()

    line = unpaid.items.get()
    assert ship_error(order_pk=unpaid.pk, item_pk=line.pk, actor=line.seller.user).code == "validation_error"
    assert ship_error(order_pk=unpaid.pk, item_pk=order.items.first().pk, actor=shop.user).code == "not_found"
