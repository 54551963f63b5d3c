"""`POST /api/v1/orders/{order_id}/items/{item_id}/ship/` and `markItemShipped`: who may ship a line, what a
courier / tracking number must look like (a refusal, never a 500), and who sees the registered parcel in
an order's escrow block (the buyer and the parcel's seller only)."""

import pytest

from orders.models import OrderItem
from orders.services import OrderLine, order_create, order_item_mark_shipped
from payments.models import EscrowRegistration
from payments.services import payment_verify
from tests.graphql_api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

SHIP = """mutation($o: String!, $i: ID!, $c: String, $t: String) {
  markItemShipped(orderId: $o, itemId: $i, courier: $c, trackingNumber: $t) {
    __typename
    ... on MarkItemShippedSuccess {
      item { id shipped courier trackingNumber shippedAt }
      order { escrowEligible escrow { status courier trackingNumber registeredAt errorCode } }
    }
    ... on InputError { code fields { field messages } }
    ... on OperationError { code }
  }
}"""


@pytest.fixture
def market(buyer, make_seller, make_product, pay_at_pg):
    """A paid escrow order of one shop's line, and a paid plain order with lines of two shops."""
    shop, other = make_seller("ship-a"), make_seller("ship-b")
    escrow = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=shop).pk, 1)])
    payment_verify(order_id=escrow.order_id, receipt_id=pay_at_pg(escrow, escrow=True), actor=buyer)
    plain = order_create(
        buyer=buyer,
        lines=[OrderLine(make_product(seller=shop).pk, 1), OrderLine(make_product(seller=other).pk, 1)],
    )
    payment_verify(order_id=plain.order_id, receipt_id=pay_at_pg(plain), actor=buyer)
    return {"shop": shop, "other": other, "escrow": escrow, "plain": plain}


def url(order, item) -> str:
    return f"/api/v1/orders/{order.order_id}/items/{item.pk}/ship/"


VALUES = {"courier": "CJ대한통운", "tracking_number": "6789-0123"}


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("buyer", 403, "permission_denied"),
        ("other_seller", 404, "order_not_found"),  # another shop's only line: the order is not its to see
        ("stranger", 404, "order_not_found"),
        ("anonymous", 401, "not_authenticated"),
    ],
)
def test_only_the_lines_seller_or_staff_ship_an_escrow_line(
    market, buyer, make_user, api_client_for, bootpay, who, status, code
):
    line = market["escrow"].items.get()
    users = {"buyer": buyer, "other_seller": market["other"].user, "stranger": make_user(), "anonymous": None}

    response = api_client_for(users[who]).post(url(market["escrow"], line), VALUES, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not OrderItem.objects.get(pk=line.pk).shipped and not EscrowRegistration.objects.exists()


def test_another_seller_cannot_ship_a_line_it_sees_the_order_of(market, api_client_for, bootpay):
    # The plain order holds a line of each shop: each sees the order, only its own line ships.
    mine = market["plain"].items.get(seller=market["shop"])

    response = api_client_for(market["other"].user).post(url(market["plain"], mine), VALUES, format="json")

    assert (response.status_code, response.json()["code"]) in {(403, "permission_denied"), (404, "not_found")}
    assert not OrderItem.objects.get(pk=mine.pk).shipped


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["seller", "staff"])
def test_the_seller_or_staff_ship_it_and_the_answer_shows_the_registration(
    market, make_user, api_client_for, bootpay, who
):
    line = market["escrow"].items.get()
    actor = market["shop"].user if who == "seller" else make_user("ops", is_staff=True)

    response = api_client_for(actor).post(url(market["escrow"], line), VALUES, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["escrow"]["status"] == "registered"
    assert response.json()["items"][0]["tracking_number"] == "6789-0123"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "courier"),  # an escrow payment needs both
        ({"courier": "CJ대한통운"}, "tracking_number"),
        ({"tracking_number": "1234"}, "courier"),
        ({"courier": "CJ", "tracking_number": "12 34"}, "tracking_number"),
        ({"courier": "CJ", "tracking_number": "-1234"}, "tracking_number"),
        ({"courier": "CJ", "tracking_number": "1" * 41}, "tracking_number"),
        ({"courier": "C" * 41, "tracking_number": "1"}, "courier"),
        ({"courier": "CJ\x07", "tracking_number": "1"}, "courier"),
        ({"courier": "CJ\x00", "tracking_number": "1"}, "courier"),
        ({"courier": ["CJ"], "tracking_number": "1"}, "courier"),
        ({"courier": {"a": 1}, "tracking_number": "1"}, "courier"),
        ({"courier": "CJ", "tracking_number": "１２３"}, "tracking_number"),  # full-width digits
    ],
)
def test_malformed_shipping_values_are_validation_errors(market, api_client_for, bootpay, body, field):
    line = market["escrow"].items.get()

    response = api_client_for(market["shop"].user).post(url(market["escrow"], line), body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error"), response.content
    assert field in response.json()["details"]["fields"]
    assert not OrderItem.objects.get(pk=line.pk).shipped and not EscrowRegistration.objects.exists()


def test_a_plain_order_ships_with_or_without_tracking_but_not_half(market, api_client_for, bootpay):
    mine, theirs = (
        market["plain"].items.get(seller=market["shop"]),
        market["plain"].items.get(seller=market["other"]),
    )

    half = api_client_for(market["shop"].user).post(
        url(market["plain"], mine), {"courier": "CJ"}, format="json"
    )
    with_values = api_client_for(market["shop"].user).post(url(market["plain"], mine), VALUES, format="json")
    without = api_client_for(market["other"].user).post(url(market["plain"], theirs), {}, format="json")

    assert (half.status_code, half.json()["code"]) == (400, "validation_error")
    assert with_values.status_code == without.status_code == 200
    body = with_values.json()
    assert body["escrow_eligible"] is False and body["escrow"] is None
    assert without.json()["items"][0]["courier"] is None
    assert bootpay.state.call_count("PUT", "escrow/shipping/start") == 0


def test_shipping_again_with_other_values_is_refused(market, api_client_for, bootpay):
    line = market["plain"].items.get(seller=market["shop"])
    client = api_client_for(market["shop"].user)
    client.post(url(market["plain"], line), VALUES, format="json")

    same = client.post(url(market["plain"], line), VALUES, format="json")
    other = client.post(url(market["plain"], line), VALUES | {"tracking_number": "999"}, format="json")
    none = client.post(url(market["plain"], line), {}, format="json")

    assert same.status_code == 200
    assert (other.status_code, other.json()["code"]) == (400, "validation_error")
    assert (none.status_code, none.json()["code"]) == (400, "validation_error")
    assert OrderItem.objects.get(pk=line.pk).tracking_number == "6789-0123"


def test_graphql_refuses_the_buyer_and_another_seller_and_names_its_arguments(market, buyer, bootpay):
    order, line = market["escrow"], market["escrow"].items.get()
    variables = {"o": order.order_id, "i": str(line.pk), "c": "CJ", "t": "12 34"}

    by_buyer = GraphQLClient(buyer)(SHIP, variables | {"t": "1234"})["markItemShipped"]
    by_other = GraphQLClient(market["other"].user)(SHIP, variables | {"t": "1234"})["markItemShipped"]
    bad = GraphQLClient(market["shop"].user)(SHIP, variables)["markItemShipped"]
    missing = GraphQLClient(market["shop"].user)(SHIP, {"o": order.order_id, "i": str(line.pk)})

    assert by_buyer == {"__typename": "OperationError", "code": "permission_denied"}
    assert by_other == {"__typename": "OperationError", "code": "order_not_found"}
    assert bad["__typename"] == "InputError" and [f["field"] for f in bad["fields"]] == ["trackingNumber"]
    assert {f["field"] for f in missing["markItemShipped"]["fields"]} == {"courier", "trackingNumber"}
    assert not OrderItem.objects.get(pk=line.pk).shipped


@pytest.mark.django_db(transaction=True)
def test_graphql_ships_and_shows_the_registration(market, bootpay):
    order, line = market["escrow"], market["escrow"].items.get()
    variables = {"o": order.order_id, "i": str(line.pk), "c": "CJ대한통운", "t": "6789-0123"}

    result = GraphQLClient(market["shop"].user)(SHIP, variables)["markItemShipped"]

    assert result["item"]["shipped"] is True and result["item"]["trackingNumber"] == "6789-0123"
    assert result["item"]["courier"] == "CJ대한통운" and result["item"]["shippedAt"]
    escrow = result["order"]["escrow"]
    assert result["order"]["escrowEligible"] is True
    assert (escrow["status"], escrow["courier"], escrow["errorCode"]) == ("registered", "CJ대한통운", None)
    assert escrow["registeredAt"]


# --- The parcel in the order's escrow block: shown only to whom it concerns -----------------------------


@pytest.mark.django_db(transaction=True)
def test_a_seller_does_not_see_another_sellers_parcel_through_the_order_escrow_block(
    buyer, make_seller, make_product, pay_at_pg, api_client_for, bootpay
):
    """An order of two shops paid by escrow (a buyer forcing `extra.escrow`, which the docs accept).
    Shop A ships first, so the registration holds A's courier and tracking number. Shop B, who is
    shown only its own line of that order, must not read A's parcel in `escrow.courier/tracking_number`."""
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
    assert "SECRET-0001" not in seen_by_b.content.decode()  # ... and so is A's tracking number


ESCROW_QUERY = """query { %s { edges { node { escrow { status courier trackingNumber } } } } }"""


def test_graphql_shows_the_parcel_to_the_buyer_and_its_seller_only(
    buyer, make_seller, make_product, pay_at_pg, bootpay, django_capture_on_commit_callbacks
):
    shop_a, shop_b = make_seller("gql-a"), make_seller("gql-b")
    order = order_create(
        buyer=buyer,
        lines=[OrderLine(make_product(seller=shop_a).pk, 1), OrderLine(make_product(seller=shop_b).pk, 1)],
    )
    payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order, escrow=True), actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order_item_mark_shipped(
            order_pk=order.pk,
            item_pk=order.items.get(seller=shop_a).pk,
            actor=shop_a.user,
            courier="CJ대한통운",
            tracking_number="SECRET-1",
        )

    def seen(user, field):
        [edge] = GraphQLClient(user)(ESCROW_QUERY % field)[field]["edges"]
        return edge["node"]["escrow"]

    parcel = {"status": "registered", "courier": "CJ대한통운", "trackingNumber": "SECRET-1"}
    assert seen(buyer, "myOrders") == parcel
    assert seen(shop_a.user, "sellerOrders") == parcel
    assert seen(shop_b.user, "sellerOrders") == {
        "status": "registered",
        "courier": None,
        "trackingNumber": None,
    }
