"""Query counts of the automatic-payment reads stay constant however many rows they show."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriptions(buyer, subscribe, register_key):
    """`count` subscriptions of the buyer on one card, first period paid (the in-memory Bootpay)."""

    def make(count: int) -> list:
        key = register_key(buyer)
        return [subscribe(buyer, key=key) for _ in range(count)]

    return make


@pytest.mark.parametrize("count", [5, 50])
def test_the_subscription_list_runs_a_constant_number_of_queries(
    buyer, api_client_for, subscriptions, count, django_assert_max_num_queries
):
    subscriptions(count)
    client = api_client_for(buyer)

    # token+user, the capped count, the page (product and card joined), charges+orders, their payments,
    # the open price changes
    with django_assert_max_num_queries(6) as captured:
        response = client.get("/api/v1/subscriptions/?page_size=100")

    body = response.json()
    assert body["count"] == count and len(body["results"]) == count
    assert all(row["charges"][0]["payment_id"] for row in body["results"])
    print(f"GET /api/v1/subscriptions/ with {count} rows: {len(captured.captured_queries)} queries")


def test_a_subscription_detail_runs_a_fixed_number_of_queries(
    buyer, api_client_for, subscriptions, django_assert_num_queries
):
    [subscription] = subscriptions(1)
    client = api_client_for(buyer)

    # token+user, the subscription (joined), charges+orders, payments, the open price change
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/subscriptions/{subscription.subscription_id}/")

    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_the_card_list_runs_a_constant_number_of_queries(
    buyer, api_client_for, register_key, count, django_assert_max_num_queries
):
    for _ in range(count):
        register_key(buyer)
    client = api_client_for(buyer)

    with django_assert_max_num_queries(3):  # token+user, the capped count, the page
        response = client.get("/api/v1/billing-keys/?page_size=100")

    assert response.json()["count"] == count
