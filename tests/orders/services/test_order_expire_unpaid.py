from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError, ErrorCode
from orders.models import Order, OrderItem, Product
from orders.services import OrderLine, order_cancel_unpaid, order_create, order_expire_unpaid
from payments.models import Payment
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_order(buyer, make_product):
    def make(quantity: int = 2) -> tuple[Order, Product]:
        product = make_product(stock=5)
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, quantity)])
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        return order, product

    return make


def test_expiry_releases_stock_exactly_once(overdue_order):
    order, product = overdue_order(quantity=2)
    assert Product.objects.get(pk=product.pk).stock == 3

    first_run = order_expire_unpaid()
    second_run = order_expire_unpaid()

    assert first_run == [order.order_id]
    assert second_run == []
    assert Product.objects.get(pk=product.pk).stock == 5
    assert Order.objects.get(pk=order.pk).status == Order.Status.EXPIRED
    assert set(OrderItem.objects.filter(order=order).values_list("status", flat=True)) == {"cancelled"}


def test_orders_inside_their_payment_window_are_kept(buyer, make_product):
    product = make_product(stock=5)
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])

    assert order_expire_unpaid() == []
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    assert Product.objects.get(pk=product.pk).stock == 4


def test_an_order_with_a_payment_under_way_is_not_expired(overdue_order):
    # a virtual account was issued: the deposit may still arrive, so the stock stays held
    order, product = overdue_order()
    Payment.objects.create(
        order=order, receipt_id="r" * 24, status="awaiting_deposit", amount=order.total_amount
    )

    assert order_expire_unpaid() == []
    assert Product.objects.get(pk=product.pk).stock == 3


def test_expiry_then_cancel_does_not_release_twice(overdue_order):
    order, product = overdue_order()
    order_expire_unpaid()

    with pytest.raises(DomainError) as error:
        order_cancel_unpaid(order_pk=order.pk, actor=order.buyer)

    assert error.value.code == ErrorCode.ORDER_NOT_PAYABLE
    assert Product.objects.get(pk=product.pk).stock == 5


def test_buyer_cancel_of_unpaid_order_releases_stock(buyer, make_product):
    product = make_product(stock=5)
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 4)])

    order_cancel_unpaid(order_pk=order.pk, actor=order.buyer)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_expiry_workers_release_stock_once(overdue_order):
    order, product = overdue_order(quantity=3)

    results, refused = run_at_once(*[order_expire_unpaid] * 6)

    assert refused == []
    assert [order_id for expired in results for order_id in expired] == [order.order_id]
    assert Product.objects.get(pk=product.pk).stock == 5


def test_only_the_buyer_abandons_an_unpaid_order(make_user, buyer, make_product):
    product = make_product(stock=5)
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 2)])

    with pytest.raises(DomainError) as error:
        order_cancel_unpaid(order_pk=order.pk, actor=make_user("staff", is_staff=True))

    assert error.value.code == ErrorCode.PERMISSION_DENIED
    assert Product.objects.get(pk=product.pk).stock == 3


@pytest.mark.django_db
def test_expiry_is_not_starved_by_overdue_orders_whose_virtual_account_awaits_deposit(buyer, make_product):
    from orders import tasks as order_tasks

    # given more overdue orders with a virtual account awaiting deposit (left alone by design) than one
    # batch holds, all older than an abandoned order that should expire
    for n in range(3):
        product = make_product(stock=5)
        order = order_create(buyer=buyer, lines=[OrderLine(product.pk, 1)])
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=2, minutes=n))
        Payment.objects.create(
            order=order, receipt_id=f"{n:024d}", status="awaiting_deposit", amount=order.total_amount
        )
    product = make_product(stock=5)
    abandoned = order_create(buyer=buyer, lines=[OrderLine(product.pk, 2)])
    Order.objects.filter(pk=abandoned.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    # when the beat's task runs (twice, even) with a batch smaller than the virtual accounts
    order_tasks.expire_unpaid_orders.delay(batch_size=2)
    order_tasks.expire_unpaid_orders.delay(batch_size=2)

    # then the abandoned order expires and its stock returns
    assert Order.objects.get(pk=abandoned.pk).status == Order.Status.EXPIRED
    assert Product.objects.get(pk=product.pk).stock == 5
