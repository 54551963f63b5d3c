"""The admin speaks the request's language: Korean by default (LANGUAGE_CODE ko-kr), English under
`Accept-Language: en`, like the API's messages (locale/ko/LC_MESSAGES/django.po, the `# admin` block).

Every registered model is covered, today's and tomorrow's: the lists are read from `admin.site._registry`,
so a new model or admin without Korean names fails here. What is checked: app and model names on the
index, and on each changelist its title, columns, filters, actions and search help. Data (ids, product
names) and choice labels (`TextChoices`: they are also the API document's) are not the admin's words.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from payments.services import payment_verify

pytestmark = pytest.mark.django_db

LANGUAGES = {"ko": {}, "en": {"HTTP_ACCEPT_LANGUAGE": "en"}}  # Korean: no header at all
# Words that read the same in both languages.
SAME_IN_BOTH = {"ID", "GraphQL API"}
OUR_PACKAGES = ("orders", "payments", "graphql_api")
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def korean(text) -> bool:
    return re.search("[\uac00-\ud7a3]", str(text)) is not None


def in_language(text, language: str) -> bool:
    """Korean words under ko, no Korean under en (words the same in both pass either way)."""
    text = str(text).strip()
    return text in SAME_IN_BOTH or korean(text) == (language == "ko")


def visible_text(response) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def plural(model, language: str) -> str:
    with translation.override(language):
        return str(capfirst(model._meta.verbose_name_plural))


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin-i18n", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def two_payments(buyer, make_order, pay_at_pg):
    """Two paid orders, so the order and payment lists show rows with their computed columns."""
    return [
        payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
        for order in (make_order(prices=(10_000, 5_000)), make_order())
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_index_names_every_app_and_model_in_the_requests_language(staff_client, language):
    response = staff_client.get(reverse("admin:index"), **LANGUAGES[language])

    assert response.status_code == 200
    listed = {
        model["model"]: model["name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert set(listed) == set(REGISTERED)  # a superuser sees every registered model
    for app in response.context["app_list"]:
        assert in_language(app["name"], language), app["name"]
    for model, name in listed.items():
        assert in_language(name, language), (model._meta.label, name)
        assert name == plural(model, language)
    if language == "ko":
        page = visible_text(response)
        english = {plural(model, "en") for model in REGISTERED} - SAME_IN_BOTH
        assert not [name for name in english if name in page], "English model names on the Korean index"


def test_no_model_name_is_a_made_up_plural(staff_client):
    """Django's default plural is the name plus "s" ("webhook deliverys"): ours are all spelled out."""
    for model in REGISTERED:
        if model._meta.app_config.name.startswith(OUR_PACKAGES):
            assert "verbose_name_plural" in model._meta.original_attrs, model._meta.label
        assert not re.search(r"(?i)[^aeiou]ys\b", plural(model, "en")), model._meta.label
    for headers in LANGUAGES.values():
        assert "deliverys" not in staff_client.get(reverse("admin:index"), **headers).content.decode()


def test_every_app_of_ours_has_a_korean_name():
    """Apps without models (statements, webhooks…) too: their names show in commands and tools."""
    for config in apps.get_app_configs():
        if config.name.startswith(OUR_PACKAGES):
            with translation.override("en"):
                english = str(config.verbose_name)
            with translation.override("ko-kr"):
                assert in_language(config.verbose_name, "ko") or english in SAME_IN_BOTH, config.name
            assert not korean(english), config.name


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_changelist_speaks_the_requests_language(staff_client, two_payments, model, language):
    response = staff_client.get(changelist_url(model), **LANGUAGES[language])

    assert response.status_code == 200
    changelist = response.context["cl"]
    assert in_language(response.context["title"], language)
    # Computed from the admin, not from the rendered rows: an empty list has its columns checked too.
    columns = [header["text"] for header in result_headers(changelist)]
    columns = [text for text in columns if not str(text).startswith("<")]  # the select-all checkbox
    assert columns
    filters = [spec.title for spec in changelist.filter_specs]
    action_form = response.context.get("action_form")
    actions = [label for value, label in action_form.fields["action"].choices if value] if action_form else []
    help_text = [changelist.search_help_text] if changelist.search_help_text else []
    for text in [*columns, *filters, *actions, *help_text]:
        assert in_language(text, language), (model._meta.label, text)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", "환불할 결제를 하나만 선택하세요."), ("en", "Select exactly one payment to refund.")],
    ids=["ko", "en"],
)
def test_our_admin_messages_follow_the_language(staff_client, two_payments, language, expected):
    response = staff_client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "refund_selected", "_selected_action": [payment.pk for payment in two_payments]},
        follow=True,
        **LANGUAGES[language],
    )

    assert [str(message) for message in response.context["messages"]] == [expected]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refund_form_speaks_the_requests_language(staff_client, two_payments, language):
    payment = two_payments[0]
    response = staff_client.get(
        reverse("admin:payments_payment_refund", args=[payment.pk]), **LANGUAGES[language]
    )

    assert response.status_code == 200
    form = response.context["form"]
    labels = [field.label for field in form.visible_fields()]
    assert all(in_language(label, language) for label in labels), labels
    page = visible_text(response)
    if language == "ko":
        assert "환불 가능 금액" in page and "(면세 0₩)" in page
    else:
        assert "left to refund" in page and "(tax-free 0₩)" in page


@pytest.mark.parametrize(("language", "title"), [("ko", "결제 보기"), ("en", "View payment")])
def test_a_read_only_record_is_titled_in_the_requests_language(staff_client, two_payments, language, title):
    url = reverse("admin:payments_payment_change", args=[two_payments[0].pk])

    response = staff_client.get(url, **LANGUAGES[language])

    assert response.status_code == 200 and response.context["title"] == title
