"""Who sees and cancels which subscription: its buyer and staff; anyone else hears "not found"."""

import pytest
from django.contrib.auth.models import AnonymousUser

from config.errors import DomainError, ErrorCode
from payments.billing.selectors import (
    subscription_charge_rows,
    subscription_get_visible,
    subscription_list_visible,
)
from payments.billing.services import subscription_cancel

pytestmark = pytest.mark.django_db


def test_a_buyer_sees_only_their_own_subscriptions_and_staff_see_all(
    buyer, make_user, fake_bootpay, subscribe
):
    other, staff = make_user(), make_user(is_staff=True)
    mine, theirs = subscribe(buyer), subscribe(other)

    assert list(subscription_list_visible(user=buyer)) == [mine]
    assert list(subscription_list_visible(user=other)) == [theirs]
    assert set(subscription_list_visible(user=staff)) == {mine, theirs}
    with pytest.raises(DomainError) as caught:
        subscription_get_visible(subscription_id=theirs.subscription_id, user=buyer)
    assert caught.value.code == ErrorCode.SUBSCRIPTION_NOT_FOUND
    assert subscription_get_visible(subscription_id=theirs.subscription_id, user=staff) == theirs
    assert list(subscription_list_visible(user=AnonymousUser())) == []


def test_the_charge_rows_name_each_periods_order_and_payment(
    buyer, fake_bootpay, subscribe, django_assert_num_queries
):
    subscribe(buyer)

    subscription = subscription_get_visible(
        subscription_id=subscription_list_visible(user=buyer).get().subscription_id, user=buyer
    )
    with django_assert_num_queries(0):
        (row,) = subscription_charge_rows(subscription)

    charge = subscription.charges.get()
    assert (row.order_id, row.period, row.status) == (charge.order.order_id, 1, "paid")
    assert row.payment_id == charge.order.payments.get().public_id


def test_only_its_buyer_or_staff_cancel_a_subscription(buyer, make_user, fake_bootpay, subscribe):
    other, staff = make_user(), make_user(is_staff=True)
    subscription = subscribe(buyer)

    with pytest.raises(DomainError) as caught:
        subscription_cancel(subscription_id=subscription.subscription_id, actor=other, gateway=fake_bootpay)
    assert caught.value.code == ErrorCode.SUBSCRIPTION_NOT_FOUND

    cancelled = subscription_cancel(
        subscription_id=subscription.subscription_id, actor=staff, gateway=fake_bootpay
    )
    assert cancelled.status == "cancelled"
    event = cancelled.events.get(kind="cancelled")
    assert (event.actor, event.data) == (staff, {"reason": "cancelled_by_staff"})
