"""The caller's own lists need a signed-in caller, in GraphQL as in REST (docs/api.md "Who may ask").

Before: `myOrders`, `sellerOrders`, `myBillingKeys` and `mySubscriptions` answered an anonymous caller an
empty connection, which reads as "you have none", where REST answers 401 `not_authenticated`. Now an
anonymous caller gets an error whose `extensions.code` is `not_authenticated` (the fields are non-null, so
`data` is null, as for `sellerStatement`), while a signed-in caller with nothing gets an empty connection.
"""

import pytest

from orders.services import OrderLine, order_create
from payments.billing.services import billing_key_register, billing_key_request_start, subscription_create
from tests.billing_support import issue_card

pytestmark = pytest.mark.django_db

FIELDS = ["myOrders", "sellerOrders", "myBillingKeys", "mySubscriptions"]
# Each list's public id of a row (the same fields REST lists show).
ROW_ID = {
    "myOrders": "orderId",
    "sellerOrders": "orderId",
    "myBillingKeys": "billingKeyId",
    "mySubscriptions": "subscriptionId",
}


def page(field: str) -> str:
    return f"{{ {field}(first: 10) {{ totalCount edges {{ node {{ {ROW_ID[field]} }} }} }} }}"


@pytest.fixture
def rows(bootpay, buyer, make_user, make_seller, make_product):
    """One row in each list: the buyer's order (holding the shop's line); another buyer's card and
    subscription (its first charge is an order of its own, kept out of the first two lists)."""
    shop = make_seller("signed-in-shop")
    order = order_create(buyer=buyer, lines=[OrderLine(make_product(seller=shop).pk, 1)])
    subscriber = make_user("subscriber")
    issued = issue_card(bootpay, billing_key_request_start(buyer=subscriber).subscription_id)
    key = billing_key_register(buyer=subscriber, receipt_id=issued["receipt_id"])
    monthly = make_product(price=9_900, stock=5, subscription_interval="month")
    subscription = subscription_create(
        buyer=subscriber, product_id=monthly.pk, billing_key_id=key.billing_key_id
    )
    return {
        "myOrders": (buyer, order.order_id),
        "sellerOrders": (shop.user, order.order_id),
        "myBillingKeys": (subscriber, key.billing_key_id),
        "mySubscriptions": (subscriber, subscription.subscription_id),
    }


@pytest.mark.parametrize("field", FIELDS)
def test_an_anonymous_caller_is_not_authenticated_as_in_rest(gql_for, field):
    response = gql_for().raw(page(field))

    assert response.status_code == 200  # a GraphQL error, as `sellerStatement`'s
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "not_authenticated"
    assert error["path"] == [field]
    assert body["data"] is None  # the connection is non-null: no empty page that reads as "none"


@pytest.mark.parametrize("field", FIELDS)
def test_the_refusal_comes_before_the_arguments_are_read(gql_for, field):
    """As REST checks credentials before query parameters: a bad cursor is still `not_authenticated`."""
    body = gql_for().raw(f'{{ {field}(after: "not a cursor", first: 5) {{ totalCount }} }}').json()

    assert [error["extensions"]["code"] for error in body["errors"]] == ["not_authenticated"]


@pytest.mark.parametrize("field", FIELDS)
def test_a_signed_in_caller_with_nothing_gets_an_empty_connection(gql_for, make_user, field):
    data = gql_for(make_user("has-nothing"))(page(field))

    assert data == {field: {"totalCount": 0, "edges": []}}


@pytest.mark.parametrize("field", FIELDS)
def test_a_signed_in_caller_gets_its_list(gql_for, rows, field):
    user, row_id = rows[field]

    data = gql_for(user)(page(field))

    assert data[field] == {"totalCount": 1, "edges": [{"node": {ROW_ID[field]: row_id}}]}


def test_the_error_message_is_in_the_callers_language(gql_for):
    client = gql_for()
    client.headers["HTTP_ACCEPT_LANGUAGE"] = "en"

    [error] = client.raw(page("myOrders")).json()["errors"]

    assert error["message"] == "Authentication credentials were not provided or are invalid."


def test_public_fields_still_answer_an_anonymous_caller(gql_for, make_product):
    """The rule covers the caller's own lists; the catalogue, checkout values and `me` stay open."""
    make_product()

    data = gql_for()("{ me { username } products(first: 5) { totalCount } checkoutConfig { mode } }")

    assert data["me"] is None and data["products"]["totalCount"] == 1 and data["checkoutConfig"]["mode"]
