"""The browser uses the Django session; writes then need the CSRF token, as for any cookie-based auth."""

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    return client


def test_a_session_write_without_the_csrf_token_is_refused(browser, make_product):
    product = make_product()

    response = browser.post(
        "/api/v1/orders/",
        {"items": [{"product_id": product.pk, "quantity": 1}]},
        content_type="application/json",
    )

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_a_session_write_with_the_csrf_token_is_accepted(browser, make_product):
    product = make_product()
    token = _get_new_csrf_string()  # what the SPA reads from the csrftoken cookie
    browser.cookies["csrftoken"] = token

    response = browser.post(
        "/api/v1/orders/",
        {"items": [{"product_id": product.pk, "quantity": 1}]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201


def test_a_session_read_needs_no_token(browser):
    assert browser.get("/api/v1/orders/").status_code == 200
