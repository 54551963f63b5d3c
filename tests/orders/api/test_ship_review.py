"""Review of the ship API and what an order shows of its escrow registration."""

import pytest

from orders.services import OrderLine, order_create
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_a_seller_does_not_see_another_sellers_parcel_through_the_order_escrow_block(
    buyer, make_seller, make_product, pay_at_pg, api_client_for, bootpay
):
    """An order of two shops paid by escrow (a buyer forcing `extra.escrow`, which the docs accept).
    Shop A ships first, so the registration holds A's courier and tracking number. Shop B, who is
    shown only its own line of that order, reads A's parcel in `escrow.courier/tracking_number`."""
    shop_a, shop_b = make_seller("leak-a"), make_seller("leak-b")
    order = order_create(
        buyer=buyer,
        lines=[OrderLine(make_product(seller=shop_a).pk, 1), OrderLine(make_product(seller=shop_b).pk, 1)],
    )
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, escrow=True), actor=buyer)
    line_a = order.items.get(seller=shop_a)

    shipped = api_client_for(shop_a.user).post(
        f"/api/v1/orders/{order.order_id}/items/{line_a.pk}/ship/",
        {"courier": "CJ대한통운", "tracking_number": "SECRET-0001"},
        format="json",
    )
    assert shipped.status_code == 200, shipped.content

    seen_by_b = api_client_for(shop_b.user).get(f"/api/v1/orders/{order.order_id}/")
    assert seen_by_b.status_code == 200
    body = seen_by_b.json()
    assert [item["seller_id"] for item in body["items"]] == [shop_b.pk]  # A's line is hidden from B ...
    assert "SECRET-0001" not in seen_by_b.content.decode()  # ... but not A's tracking number
