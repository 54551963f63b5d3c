"""REVIEW FINDINGS (adversarial review of the checkout change). Every test here FAILS on the reviewed code;
each one names a defect. Not part of the regular suite's expectations until the defects are fixed."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from payments.models import Payment
from payments.services import payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def vbank_payment(buyer, make_order, pay_at_pg, bootpay):
    order = make_order(prices=(25_000,))
    receipt_id = pay_at_pg(order, method="vbank", state="vbank_issued")
    return payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)


@pytest.mark.parametrize("expired_at", ["0001-01-01T00:00:00+10:00", "9999-12-31T23:59:59-01:00"])
def test_review_an_extreme_vbank_deadline_does_not_break_the_payment_list(
    expired_at, vbank_payment, buyer, api_client_for
):
    """Payment.virtual_account guards parse errors but not a deadline DRF cannot convert to local time:
    GET /api/v1/payments/ (every payment of the buyer) and the detail answer 400 validation_error."""
    raw = dict(vbank_payment.raw_receipt)
    raw["vbank_data"] = dict(raw["vbank_data"], expired_at=expired_at)
    Payment.objects.filter(pk=vbank_payment.pk).update(raw_receipt=raw)
    client = api_client_for(buyer)
    listing = client.get("/api/v1/payments/")
    detail = client.get(f"/api/v1/payments/{vbank_payment.public_id}/")
    assert (listing.status_code, detail.status_code) == (200, 200), (listing.json(), detail.json())


@pytest.mark.parametrize("name", ["index.html", "graphiql.html"])
def test_review_the_spa_html_is_not_served_from_static_without_its_csp(name, settings, tmp_path):
    """frontend/dist is a STATICFILES_DIRS entry, so its HTML is collected too: /static/index.html runs the
    whole SPA with no Content-Security-Policy, no X-Frame-Options and a public cache; /static/graphiql.html
    serves GraphiQL whatever DEBUG says."""
    if not (Path(django_settings.FRONTEND_DIST_DIR) / name).exists():
        pytest.skip("frontend not built")
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    response = Client().get(f"/static/{name}")  # a new client: whitenoise scans the new STATIC_ROOT
    assert response.status_code == 404 or "Content-Security-Policy" in response.headers
