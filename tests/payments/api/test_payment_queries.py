"""Query counts of the payment reads stay constant however many rows they show."""

import pytest

from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_payments(buyer, make_user, make_order, pay_at_pg):
    staff = make_user("ops", is_staff=True)

    def make(count: int, cancels: int = 3):
        payments = []
        for _ in range(count):
            order = make_order(prices=(10_000, 5_000))
            payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
            for _ in range(cancels):
                payment_cancel(payment_pk=payment.pk, actor=staff, reason="q", amount=1_000)
            payments.append(payment)
        return payments

    return make


@pytest.mark.parametrize("cancels", [1, 4])
def test_payment_detail_query_count_is_constant(
    buyer, api_client_for, paid_payments, cancels, django_assert_num_queries
):
    payment = paid_payments(1, cancels=cancels)[0]
    client = api_client_for(buyer)

    # token+user, the visible payment+order, cancellations, their lines, events+actors (the visibility
    # rule reads `is_staff` from the user row: no role query; no second read of the payment)
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/payments/{payment.public_id}/")

    assert response.status_code == 200 and len(response.json()["cancellations"]) == cancels


@pytest.mark.parametrize("count", [5, 25])
def test_payment_list_query_count_is_constant(
    buyer, api_client_for, paid_payments, count, django_assert_max_num_queries
):
    paid_payments(count, cancels=0)
    client = api_client_for(buyer)

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/payments/?page_size=100")

    assert response.json()["count"] == count
