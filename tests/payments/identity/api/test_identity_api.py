"""The identity endpoints over HTTP: REST and GraphQL answer the same codes, and nothing personal ever
leaves in a response or a log line."""

import logging

import pytest
from rest_framework.test import APIClient

from orders.models import Order, Product

pytestmark = pytest.mark.django_db

NAME, PHONE, IDENTITY_NO, CI = "이영희", "01077776666", "9202022", "CI-PERSON-42"


@pytest.fixture
def api(buyer):
    client = APIClient()
    client.force_authenticate(buyer)
    return client


def _personal(born: str) -> tuple[str, ...]:
    return (NAME, PHONE, IDENTITY_NO, CI, born, born[:4] + "-" + born[4:6])


def test_browser_verification_over_rest(api, certificate, born_years_ago):
    receipt_id = certificate(birth=born_years_ago(25), unique=CI)

    response = api.post("/api/v1/identity/verifications/", {"receipt_id": receipt_id}, format="json")

    assert response.status_code == 201, response.content
    assert set(response.json()) == {"verified_at", "adult", "expires_at"}
    assert response.json()["adult"] is True
    state = api.get("/api/v1/identity/").json()
    assert state["verified"] is True and state["adult"] is True


def test_own_state_before_any_verification(api):
    assert api.get("/api/v1/identity/").json() == {
        "verified": False,
        "adult": False,
        "verified_at": None,
        "expires_at": None,
    }


def test_anonymous_callers_are_refused(db):
    assert APIClient().get("/api/v1/identity/").json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "body",
    [{}, {"receipt_id": ""}, {"receipt_id": "a/b"}, {"receipt_id": "x" * 65}, []],
)
def test_bad_input_is_a_validation_error(api, emulator, body):
    response = api.post("/api/v1/identity/verifications/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_a_pending_verification_is_refused_over_rest(api, certificate):
    response = api.post(
        "/api/v1/identity/verifications/", {"receipt_id": certificate(state="pending")}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "identity_verification_failed"


def test_bootpay_unavailable_is_503_and_nothing_is_stored(api, certificate, emulator):
    receipt_id = certificate()
    emulator.state.add_fault("certificate", "status_500")

    response = api.post("/api/v1/identity/verifications/", {"receipt_id": receipt_id}, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "gateway_unavailable"
    assert api.get("/api/v1/identity/").json()["verified"] is False


def test_adult_only_order_over_rest_needs_verification(api, buyer, make_product, certificate):
    product = make_product(stock=3, adult_only=True)
    body = {"items": [{"product_id": product.pk, "quantity": 1}]}

    refused = api.post("/api/v1/orders/", body, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "adult_verification_required"
    assert Product.objects.get(pk=product.pk).stock == 3 and not Order.objects.exists()

    api.post("/api/v1/identity/verifications/", {"receipt_id": certificate()}, format="json")
    created = api.post("/api/v1/orders/", body, format="json")

    assert created.status_code == 201, created.content
    assert Product.objects.get(pk=product.pk).stock == 2


def test_sms_flow_over_rest_with_wrong_code_and_resend(api, emulator):
    started = api.post(
        "/api/v1/identity/sms/",
        {"name": NAME, "identity_no": IDENTITY_NO, "carrier": "SKT", "phone": PHONE},
        format="json",
    )
    assert started.status_code == 201, started.content
    handle = started.json()["handle"]
    otp = emulator.state.certificate_detail(handle)["otp"]

    wrong = api.post(
        "/api/v1/identity/sms/confirm/",
        {"handle": handle, "otp": "000000" if otp != "000000" else "111111"},
        format="json",
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "identity_verification_failed"

    resent = api.post("/api/v1/identity/sms/resend/", {"handle": handle}, format="json")
    assert resent.status_code == 200 and resent.json()["resends"] == 1

    otp = emulator.state.certificate_detail(handle)["otp"]
    confirmed = api.post("/api/v1/identity/sms/confirm/", {"handle": handle, "otp": otp}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert confirmed.json()["adult"] is True


def test_nothing_personal_in_any_response_or_log_line(api, buyer, emulator, caplog):
    born = "19920202"
    caplog.set_level(logging.DEBUG)
    bodies = []
    started = api.post(
        "/api/v1/identity/sms/",
        {"name": NAME, "identity_no": IDENTITY_NO, "carrier": "SKT", "phone": PHONE},
        format="json",
    )
    handle = started.json()["handle"]
    otp = emulator.state.certificate_detail(handle)["otp"]
    bodies += [started.content.decode()]
    bodies.append(
        api.post(
            "/api/v1/identity/sms/confirm/", {"handle": handle, "otp": otp}, format="json"
        ).content.decode()
    )
    browser = emulator.state.create_certificate(birth=born, unique=CI, name=NAME, phone=PHONE)["receipt_id"]
    bodies.append(
        api.post("/api/v1/identity/verifications/", {"receipt_id": browser}, format="json").content.decode()
    )
    bodies.append(api.get("/api/v1/identity/").content.decode())

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "identity verified" in logged  # the capture did see our log lines
    for text in bodies + [logged]:
        for personal in (*_personal(born), otp):
            assert personal not in text, (personal, text)
