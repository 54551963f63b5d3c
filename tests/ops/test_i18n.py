"""One language per request: Accept-Language en or ko (the default) for every message; same `code`."""

import ast
import gettext
from pathlib import Path

import polib
import pytest
from django.utils import translation

from config.i18n import TEMPLATES, localize

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
HANGUL = range(0xAC00, 0xD7A4)


def korean(text: str) -> bool:
    return any(ord(char) in HANGUL for char in text)


def both(request_in):
    return request_in("en"), request_in("ko")


def test_a_drf_validation_error(api_client):
    en, ko = both(
        lambda lang: api_client.post("/api/v1/auth/token/", {}, format="json", HTTP_ACCEPT_LANGUAGE=lang)
    )
    assert en.status_code == ko.status_code == 400
    en, ko = en.json(), ko.json()
    assert en["code"] == ko["code"] == "validation_error"
    assert en["message"] == "The request is invalid." and korean(ko["message"])
    assert en["details"]["fields"]["username"] == ["This field is required."]
    assert korean(ko["details"]["fields"]["username"][0])


def test_a_domain_error_with_its_own_message_and_field_problems(api_client_for, buyer, make_order):
    order = make_order()
    client = api_client_for(buyer)

    def verify(lang):
        return client.post(
            "/api/v1/payments/verify/",
            {"order_id": order.order_id, "receipt_id": "not a receipt!"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )

    en, ko = (response.json() for response in both(verify))
    assert en["code"] == ko["code"] == "validation_error"
    assert not korean(en["message"]) and korean(ko["message"])
    (field,) = en["details"]["fields"]
    assert not any(korean(m) for m in en["details"]["fields"][field])
    assert all(korean(m) for m in ko["details"]["fields"][field])


def test_a_domain_error_with_the_default_message(api_client_for, buyer):
    client = api_client_for(buyer)
    en, ko = (
        response.json()
        for response in both(lambda lang: client.get("/api/v1/payments/pay_nope/", HTTP_ACCEPT_LANGUAGE=lang))
    )
    assert en["code"] == ko["code"] == "payment_not_found"
    assert en["message"] == "Payment not found." and ko["message"] == "결제를 찾을 수 없습니다."


def test_a_404_outside_any_view(api_client):
    en, ko = (
        r.json() for r in both(lambda lang: api_client.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE=lang))
    )
    assert en == {"code": "not_found", "message": "Not found.", "details": {}}
    assert ko == {"code": "not_found", "message": "찾을 수 없습니다.", "details": {}}


def test_korean_is_the_default_and_regional_tags_match(api_client):
    for header in (None, "fr", "ko-KR,ko;q=0.9", "en-US,en;q=0.9"):
        extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
        body = api_client.get("/api/v1/nowhere/", **extra).json()
        assert korean(body["message"]) == (header is None or not header.startswith("en")), header


def test_a_graphql_operation_error(client, buyer):
    client.force_login(buyer)
    query = 'mutation { confirmPayment(paymentId: "pay_nope") { __typename ... on Error { code message } } }'

    def ask(lang):
        return client.post(
            "/graphql/", {"query": query}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang
        ).json()["data"]["confirmPayment"]

    en, ko = both(ask)
    assert en["__typename"] == ko["__typename"] == "OperationError"
    assert en["code"] == ko["code"] == "payment_not_found"
    assert en["message"] == "Payment not found." and ko["message"] == "결제를 찾을 수 없습니다."


def test_a_templated_message_keeps_its_values():
    with translation.override("ko"):
        assert localize("at most 65536 bytes") == "최대 65536바이트"
        assert localize("an unknown message") == "an unknown message"
    with translation.override("en"):
        assert localize("at most 65536 bytes") == "at most 65536 bytes"


def _messages_in_code() -> set[str]:
    """English messages the code writes: `DomainError(code, "…")` and `DomainError.invalid(field, "…")`."""

    def text(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return None

    found = set()
    for package in ("config", "orders", "payments", "graphql_api"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and len(node.args) >= 2:
                    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if name in ("DomainError", "invalid") and (message := text(node.args[1])):
                        found.add(message)
    return found


def test_every_message_in_the_code_has_a_korean_translation():
    catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(str(PO)) if entry.msgid}
    messages = _messages_in_code()
    assert len(messages) > 30
    missing = sorted(m for m in messages if not catalogue.get(m))
    assert not missing, (
        f"add to {PO.relative_to(ROOT)} (and config/i18n.py TEMPLATES if it has values): {missing}"
    )
    templated = {m for m in messages if "{}" in m}
    assert templated <= set(TEMPLATES)
    for msgid, msgstr in catalogue.items():
        assert msgstr.count("{}") == msgid.count("{}"), msgid


def test_the_committed_mo_is_compiled_from_the_po():
    with open(PO.with_suffix(".mo"), "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in polib.pofile(str(PO)):
        if entry.msgid:
            assert catalogue.gettext(entry.msgid) == entry.msgstr, "stale django.mo: run `make messages`"
