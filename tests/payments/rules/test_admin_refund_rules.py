"""The admin's refund form offers what the payment's PG takes, and says why when it takes less."""

import pytest
from django.urls import reverse

from payments.models import Cancellation
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    return client


def paid_at(pg, buyer, make_order, pay_at_pg):
    order = make_order(prices=(6_000, 4_000))
    return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, pg=pg), actor=buyer)


def test_a_pg_without_partial_cancels_is_offered_only_the_whole_refund(
    staff_client, buyer, make_order, pay_at_pg, bootpay
):
    payment = paid_at("토스페이먼츠", buyer, make_order, pay_at_pg)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    form = page.context["form"]

    assert [value for value, _ in form.fields["mode"].choices] == ["remainder"]
    assert "amount" not in form.fields and "items" not in form.fields
    assert "partial_cancel_unsupported" in page.content.decode()
    # a hand-made amount refund is refused by the same service, before Bootpay
    key = form["idempotency_key"].value()
    staff_client.post(url, {"idempotency_key": key, "mode": "amount", "amount": "1000", "reason": "x"})
    assert bootpay.state.call_count("POST", "cancel") == 0 and not Cancellation.objects.exists()

    whole = staff_client.post(url, {"idempotency_key": key, "mode": "remainder", "reason": "x"})
    assert whole.status_code == 302
    assert Cancellation.objects.get().amount == 10_000


def test_a_listed_pg_keeps_every_mode(staff_client, buyer, make_order, pay_at_pg, bootpay):
    payment = paid_at("KCP", buyer, make_order, pay_at_pg)
    form = staff_client.get(reverse("admin:payments_payment_refund", args=[payment.pk])).context["form"]
    assert {value for value, _ in form.fields["mode"].choices} == {"amount", "lines", "remainder"}


def test_nothing_is_offered_where_the_pg_takes_no_cancel_at_all(
    staff_client, buyer, make_order, pay_at_pg, bootpay, settings
):
    settings.BOOTPAY_VBANK_REFUND_CONTRACT = False
    order = make_order(prices=(6_000,))
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    bootpay.state.deposit(receipt_id)
    from payments.services import payment_reconcile

    payment_reconcile(older_than_minutes=0)

    page = staff_client.get(reverse("admin:payments_payment_refund", args=[payment.pk]))

    assert page.context["form"].fields["mode"].choices == []
    assert "cancel_unsupported" in page.content.decode()
