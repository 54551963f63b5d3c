"""The PG's rules add refusals; they do not change the ones a payment's own state gives first."""

import pytest

from payments.models import Cancellation
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


def test_a_line_in_a_whole_cancel_still_in_flight_is_cancel_in_progress_on_any_pg(
    buyer, make_order, pay_at_pg, api_client_for, bootpay
):
    order = make_order(prices=(6_000,))
    receipt_id = pay_at_pg(order, pg="토스페이먼츠")
    payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
    client, url = api_client_for(buyer), f"/api/v1/payments/{payment.public_id}/cancel/"
    line = order.items.get().pk
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    assert client.post(url, {"reason": "x", "items": [line]}, format="json").status_code == 503
    assert Cancellation.objects.get().state == "requested"  # the outcome is open: its money counts as spent

    again = client.post(url, {"reason": "y", "items": [line]}, format="json")

    assert again.status_code == 409 and again.json()["code"] == "cancel_in_progress"
    amount = client.post(url, {"reason": "z"}, format="json")
    assert amount.status_code == 409 and amount.json()["code"] == "cancel_exceeds_balance"
