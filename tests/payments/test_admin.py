"""The payments admin: refunds go through `payment_cancel` (once per form), money is never edited, and only
staff get anything (the webhook deliveries' "reprocess" action: tests/payments/webhooks/test_admin.py)."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments.models import Cancellation, Payment, PaymentEvent, WebhookDelivery
from payments.services import payment_cancel, payment_verify
from payments.webhooks.services import webhook_receive
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_webhooks(on_commit_now):
    """Webhook tasks run eagerly, as soon as the endpoint enqueues them."""


@pytest.fixture
def staff(make_user):
    return make_user("admin", is_staff=True, is_superuser=True, email="admin@example.com")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def paid(buyer, make_order, pay_at_pg):
    def make(**order_options) -> Payment:
        order = make_order(**order_options)
        return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)

    return make


def refund_url(payment: Payment) -> str:
    return reverse("admin:payments_payment_refund", args=[payment.pk])


def change_url(payment: Payment) -> str:
    return reverse("admin:payments_payment_change", args=[payment.pk])


def refund_form(client, payment: Payment, **fields) -> dict:
    """The refund form as the admin serves it (its hidden idempotency key), filled with `fields`."""
    response = client.get(refund_url(payment))
    assert response.status_code == 200
    key = response.context["form"]["idempotency_key"].value()
    assert key and f'value="{key}"' in response.content.decode()
    return {"idempotency_key": key, "mode": "amount", "reason": "admin refund"} | fields


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# A form control staff could type into, for a money or state field (hidden inline ids do not count).
EDITABLE = re.compile(
    r'<(input(?![^>]*type="hidden")|select|textarea)[^>]+'
    r'name="(amount|tax_free_amount|cancelled_amount|total_amount|status|state)"'
)


def cancel_calls(bootpay) -> int:
    return bootpay.state.call_count("POST", "cancel")


# --- Refunds ---------------------------------------------------------------------------------------


def test_an_amount_refund_books_a_cancellation_with_events_and_calls_bootpay_once(
    staff_client, staff, paid, bootpay
):
    payment = paid(prices=(30_000,))
    form = refund_form(staff_client, payment, amount="10000", reason="damaged box")

    response = staff_client.post(refund_url(payment), form, follow=True)

    assert response.redirect_chain == [(change_url(payment), 302)]
    cancellation = Cancellation.objects.get(payment=payment)
    assert (cancellation.amount, cancellation.state, cancellation.reason) == (
        10_000,
        "succeeded",
        "damaged box",
    )
    assert cancellation.requested_by == staff and cancellation.idempotency_key == form["idempotency_key"]
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 10_000)
    kinds = list(payment.events.filter(actor=staff).values_list("kind", flat=True))
    assert kinds == [PaymentEvent.Kind.CANCEL_REQUESTED, PaymentEvent.Kind.CANCEL_SUCCEEDED]
    assert cancel_calls(bootpay) == 1
    assert any(
        cancellation.cancel_id in message and "succeeded" in message for message in messages_of(response)
    )
    assert bootpay.state.get_receipt(payment.receipt_id)["cancelled_price"] == 10_000


def test_submitting_the_same_form_twice_refunds_once(staff_client, paid, bootpay):
    payment = paid(prices=(30_000,))
    form = refund_form(staff_client, payment, amount="10000")

    staff_client.post(refund_url(payment), form)
    again = staff_client.post(refund_url(payment), form, follow=True)

    assert Cancellation.objects.filter(payment=payment).count() == 1
    assert cancel_calls(bootpay) == 1
    payment.refresh_from_db()
    assert payment.cancelled_amount == 10_000
    assert any("이미 제출된" in message for message in messages_of(again))  # Korean: the default language
    # A new form is a new request: it gets its own key.
    assert refund_form(staff_client, payment)["idempotency_key"] != form["idempotency_key"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_form_submitted_at_the_same_instant_refunds_once(staff, paid, bootpay):
    from django.test import Client

    payment = paid(prices=(30_000,))
    clients = [Client() for _ in range(4)]
    for each in clients:
        each.force_login(staff)
    form = refund_form(clients[0], payment, amount="10000")

    responses, refusals = run_at_once(*[lambda c=each: c.post(refund_url(payment), form) for each in clients])

    assert refusals == [] and len(responses) == 4  # the view turns refusals into messages, never a 500
    for response in responses:
        # Done (a redirect), or told that the first submit is still talking to Bootpay.
        assert response.status_code == 302 or "cancel_in_progress" in response.content.decode()
    assert Cancellation.objects.filter(payment=payment).count() == 1
    assert cancel_calls(bootpay) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("partially_cancelled", 10_000)


def test_a_line_refund_offers_only_unrefunded_lines(staff_client, paid, bootpay):
    payment = paid(prices=(10_000, 5_000))
    first, second = payment.order.items.order_by("pk")
    form = refund_form(staff_client, payment, mode="lines", items=[str(second.pk)])

    response = staff_client.post(refund_url(payment), form)

    assert response.status_code == 302
    cancellation = Cancellation.objects.get(payment=payment)
    assert cancellation.amount == 5_000 and list(cancellation.items.all()) == [second]
    second.refresh_from_db()
    assert second.status == "refunded"
    offered = staff_client.get(refund_url(payment)).context["form"].fields["items"].queryset
    assert list(offered) == [first]
    assert cancel_calls(bootpay) == 1


def test_a_tax_free_part_goes_with_an_amount_refund(staff_client, paid, bootpay):
    payment = paid(prices=(10_000, 4_000), tax_free=(1,))
    form = refund_form(staff_client, payment, amount="6000", tax_free_amount="4000")

    assert staff_client.post(refund_url(payment), form).status_code == 302

    cancellation = Cancellation.objects.get(payment=payment)
    assert (cancellation.amount, cancellation.tax_free_amount) == (6_000, 4_000)
    assert bootpay.state.cancellations(payment.receipt_id)[0]["cancel_id"] == cancellation.cancel_id


def test_a_refusal_shows_its_code_and_books_nothing(staff_client, paid, bootpay):
    payment = paid(prices=(10_000,))
    form = refund_form(staff_client, payment, amount="10001")

    response = staff_client.post(refund_url(payment), form)

    assert response.status_code == 200
    assert any("cancel_exceeds_balance" in message for message in messages_of(response))
    assert "cancel_exceeds_balance" in response.content.decode()
    assert not Cancellation.objects.exists()
    assert cancel_calls(bootpay) == 0
    payment.refresh_from_db()
    assert payment.cancelled_amount == 0
    # Nothing was booked under the key: the corrected form keeps it.
    assert response.context["form"]["idempotency_key"].value() == form["idempotency_key"]


def test_a_bad_tax_free_split_is_refused_with_the_field_named(staff_client, paid, bootpay):
    payment = paid(prices=(10_000,))  # nothing tax-free was paid
    form = refund_form(staff_client, payment, amount="5000", tax_free_amount="1000")

    response = staff_client.post(refund_url(payment), form)

    assert response.status_code == 200
    assert any(
        "validation_error" in message and "tax_free_amount" in message for message in messages_of(response)
    )
    assert not Cancellation.objects.exists() and cancel_calls(bootpay) == 0


def test_a_definite_refusal_by_bootpay_is_an_error_message_and_the_next_try_gets_a_new_key(
    staff_client, paid, bootpay
):
    payment = paid(prices=(10_000,))
    bootpay.state.add_fault(path="cancel", mode="error_code", error_code="RC_CANCEL_REFUSED", times=1)
    form = refund_form(staff_client, payment, amount="1000")

    response = staff_client.post(refund_url(payment), form)

    assert response.status_code == 200
    assert any("gateway_error" in message for message in messages_of(response))
    assert Cancellation.objects.get().state == "failed"
    fresh_key = response.context["form"]["idempotency_key"].value()
    assert fresh_key != form["idempotency_key"]
    retried = staff_client.post(refund_url(payment), form | {"idempotency_key": fresh_key})
    assert retried.status_code == 302
    assert Cancellation.objects.filter(state="succeeded").count() == 1 and cancel_calls(bootpay) == 2


@pytest.mark.parametrize(
    ("fields", "field_with_error"),
    [
        ({"mode": "amount", "amount": ""}, "amount"),
        ({"mode": "lines"}, "items"),
        ({"mode": "remainder", "amount": "100"}, "amount"),
        ({"amount": "100", "reason": "   "}, "reason"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
    ],
)
def test_an_incomplete_form_is_shown_again_and_books_nothing(
    staff_client, paid, bootpay, fields, field_with_error
):
    payment = paid(prices=(10_000,))
    form = refund_form(staff_client, payment, **fields)

    response = staff_client.post(refund_url(payment), form)

    assert response.status_code == 200
    assert field_with_error in response.context["form"].errors
    assert not Cancellation.objects.exists() and cancel_calls(bootpay) == 0


def test_refunding_everything_left(staff_client, paid, staff, bootpay):
    payment = paid(prices=(10_000,))
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="part", amount=3_000)

    response = staff_client.post(refund_url(payment), refund_form(staff_client, payment, mode="remainder"))

    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == ("cancelled", 10_000)
    assert Cancellation.objects.order_by("pk").last().amount == 7_000
    assert cancel_calls(bootpay) == 2


def test_a_deposited_virtual_account_asks_for_the_refund_account(staff_client, deposited_vbank, bootpay):
    payment = deposited_vbank(prices=(20_000,))
    form = refund_form(staff_client, payment, mode="remainder")  # a virtual account: whole only

    missing = staff_client.post(refund_url(payment), form)
    assert missing.status_code == 200
    assert {"bank_code", "bank_account", "bank_username"} <= set(missing.context["form"].errors)
    assert cancel_calls(bootpay) == 0

    account = {"bank_code": "004", "bank_account": "123-456-7890", "bank_username": "홍길동"}
    assert staff_client.post(refund_url(payment), form | account).status_code == 302

    cancellation = Cancellation.objects.get(payment=payment)
    # Kept (and sent) as the account's digits: the hyphens staff typed are dropped.
    assert cancellation.state == "succeeded"
    assert cancellation.refund_account == account | {"bank_account": "1234567890"}
    assert cancel_calls(bootpay) == 1
    # Staff see where the money went, not the whole account number.
    change = reverse("admin:payments_cancellation_change", args=[cancellation.pk])
    page = staff_client.get(change).content.decode()
    assert "…7890" in page and "1234567890" not in page and "123-456-7890" not in page


def test_the_payment_page_links_to_the_refund_form_and_shows_the_timeline(staff_client, paid, staff):
    payment = paid(prices=(30_000,))
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="first", amount=1_000)

    page = staff_client.get(change_url(payment)).content.decode()

    assert refund_url(payment) in page
    kinds = re.findall(r"(verified|cancel_requested|cancel_succeeded)", page)
    assert kinds.index("verified") < kinds.index("cancel_requested") < kinds.index("cancel_succeeded")
    assert Cancellation.objects.get().cancel_id in page


def test_the_refund_action_opens_the_form_for_one_payment(staff_client, paid):
    payment = paid()
    changelist = reverse("admin:payments_payment_changelist")

    response = staff_client.post(changelist, {"action": "refund_selected", "_selected_action": [payment.pk]})

    assert response.status_code == 302 and response.url == refund_url(payment)
    two = staff_client.post(
        changelist, {"action": "refund_selected", "_selected_action": [payment.pk, paid().pk]}, follow=True
    )
    assert any("하나만 선택" in message for message in messages_of(two))


# --- Webhook deliveries ------------------------------------------------------------------------------


def store(receipt_id: str, **body) -> WebhookDelivery:
    raw = json.dumps({"receipt_id": receipt_id, **body}).encode()
    return webhook_receive(raw_body=raw, content_type="application/json", headers={}, remote_ip=None)


# --- Read only --------------------------------------------------------------------------------------


def test_money_fields_cannot_be_changed_through_the_change_forms(staff_client, paid, staff):
    payment = paid(prices=(30_000,))
    cancellation = payment_cancel(payment_pk=payment.pk, actor=staff, reason="r", amount=1_000)
    attempts = [
        (change_url(payment), {"amount": "1", "cancelled_amount": "0", "status": "paid"}),
        (
            reverse("admin:payments_cancellation_change", args=[cancellation.pk]),
            {"amount": "29000", "state": "requested"},
        ),
        (
            reverse("admin:orders_order_change", args=[payment.order_id]),
            {"total_amount": "1", "status": "pending_payment"},
        ),
    ]
    for url, data in attempts:
        page = staff_client.get(url)
        assert page.status_code == 200
        assert not re.search(EDITABLE, page.content.decode())
        assert staff_client.post(url, data).status_code == 403

    payment.refresh_from_db()
    cancellation.refresh_from_db()
    assert (payment.amount, payment.cancelled_amount, payment.status) == (
        30_000,
        1_000,
        "partially_cancelled",
    )
    assert (cancellation.amount, cancellation.state) == (1_000, "succeeded")
    assert payment.order.total_amount == 30_000


@pytest.mark.parametrize("model", ["payment", "paymentevent", "cancellation", "webhookdelivery"])
def test_nothing_is_added_or_deleted(staff_client, paid, staff, model):
    payment = paid()
    payment_cancel(payment_pk=payment.pk, actor=staff, reason="r", amount=1_000)
    store(payment.receipt_id)
    obj = {
        "payment": payment,
        "paymentevent": payment.events.first(),
        "cancellation": Cancellation.objects.first(),
        "webhookdelivery": WebhookDelivery.objects.first(),
    }[model]

    assert staff_client.get(reverse(f"admin:payments_{model}_add")).status_code == 403
    assert (
        staff_client.post(
            reverse(f"admin:payments_{model}_delete", args=[obj.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    listing = staff_client.get(reverse(f"admin:payments_{model}_changelist"))
    assert "delete_selected" not in listing.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- Who gets in ------------------------------------------------------------------------------------


@pytest.fixture
def admin_urls(paid, staff):
    payment = paid()
    cancellation = payment_cancel(payment_pk=payment.pk, actor=staff, reason="r", amount=1_000)
    delivery = store(payment.receipt_id)
    return (
        {
            "payment list": reverse("admin:payments_payment_changelist"),
            "payment": change_url(payment),
            "refund": refund_url(payment),
            "events": reverse("admin:payments_paymentevent_changelist"),
            "event": reverse("admin:payments_paymentevent_change", args=[payment.events.first().pk]),
            "cancellations": reverse("admin:payments_cancellation_changelist"),
            "cancellation": reverse("admin:payments_cancellation_change", args=[cancellation.pk]),
            "deliveries": reverse("admin:payments_webhookdelivery_changelist"),
            "delivery": reverse("admin:payments_webhookdelivery_change", args=[delivery.pk]),
        },
        payment,
        delivery,
    )


@pytest.mark.parametrize("who", ["anonymous", "buyer", "seller"])
def test_only_staff_get_anything(client, admin_urls, make_seller, buyer, bootpay, who):
    urls, payment, delivery = admin_urls
    if who == "buyer":
        client.force_login(buyer)
    elif who == "seller":
        client.force_login(make_seller().user)
    login = reverse("admin:login")

    for name, url in urls.items():
        for response in (client.get(url), client.post(url, {"amount": "1", "reason": "x", "mode": "amount"})):
            assert response.status_code == 302, name
            assert response.url.startswith(login), name
    actions = [
        (urls["payment list"], {"action": "refund_selected", "_selected_action": [payment.pk]}),
        (urls["deliveries"], {"action": "reprocess", "_selected_action": [delivery.pk]}),
    ]
    for url, data in actions:
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(login)

    assert Cancellation.objects.count() == 1  # the fixture's own
    assert cancel_calls(bootpay) == 1
    delivery.refresh_from_db()
    assert delivery.state == "received"


def test_staff_without_the_permissions_get_403(client, admin_urls, make_user, bootpay):
    urls, payment, delivery = admin_urls
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    clerk.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(clerk)

    # May look, may not refund nor reprocess.
    assert client.get(urls["payment"]).status_code == 200
    assert refund_url(payment) not in client.get(urls["payment"]).content.decode()
    assert client.get(urls["refund"]).status_code == 403
    assert (
        client.post(urls["refund"], {"mode": "remainder", "reason": "x", "idempotency_key": "k"}).status_code
        == 403
    )
    assert client.get(urls["cancellations"]).status_code == 403
    listing = client.get(urls["deliveries"]).content.decode()
    assert 'value="reprocess"' not in listing
    client.post(urls["deliveries"], {"action": "reprocess", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.state == "received"
    assert Cancellation.objects.count() == 1 and cancel_calls(bootpay) == 1


# --- Lists: search, filters, queries -------------------------------------------------------------------


def listed(client, url: str, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


def test_payment_search_and_filters(staff_client, paid, make_user, make_order, pay_at_pg, staff):
    carol = make_user("carol", email="carol@example.org")
    mine = paid(prices=(10_000,))
    order = make_order(user=carol, prices=(20_000,))
    hers = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=carol)
    payment_cancel(payment_pk=hers.pk, actor=staff, reason="r", amount=1_000)
    seller_name = hers.order.items.get().seller.name
    url = reverse("admin:payments_payment_changelist")

    assert listed(staff_client, url, q=hers.receipt_id) == [hers]
    assert listed(staff_client, url, q=mine.order.order_id) == [mine]
    assert listed(staff_client, url, q="carol") == [hers]
    assert listed(staff_client, url, q="carol@example.org") == [hers]
    assert listed(staff_client, url, q=seller_name) == [hers]
    assert listed(staff_client, url, status="paid") == [mine]
    assert listed(staff_client, url, status="partially_cancelled") == [hers]
    today = hers.created_at.date()
    assert set(listed(staff_client, url, created_at__year=today.year, created_at__month=today.month)) == {
        mine,
        hers,
    }
    assert listed(staff_client, url, created_at__year=today.year - 1) == []
    cancellations = reverse("admin:payments_cancellation_changelist")
    assert [c.payment for c in listed(staff_client, cancellations, q="carol")] == [hers]
    assert len(listed(staff_client, cancellations, state="succeeded")) == 1


def _many_payments(make_order, count: int) -> None:
    """`count` paid payments without the PG: the list pages' queries are what is measured here."""
    for index in range(count):
        order = make_order(prices=(1_000 + index,))
        payment = Payment.objects.create(
            order=order,
            receipt_id=f"{Payment.objects.count():024x}",
            status="paid",
            amount=order.total_amount,
            method="card",
        )
        PaymentEvent.objects.create(payment=payment, kind="verified", to_status="paid", actor=order.buyer)
        Cancellation.objects.create(payment=payment, amount=1, reason="r", state="succeeded")
        store(payment.receipt_id)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:payments_payment_changelist",
        "admin:payments_paymentevent_changelist",
        "admin:payments_cancellation_changelist",
        "admin:payments_webhookdelivery_changelist",
    ],
)
def test_changelists_do_not_query_per_row(staff_client, make_order, django_assert_max_num_queries, url_name):
    url = reverse(url_name)
    _many_payments(make_order, 3)
    with CaptureQueriesContext(connection) as few:
        assert len(staff_client.get(url).context["cl"].result_list) == 3
    _many_payments(make_order, 40)

    with django_assert_max_num_queries(12):
        many = staff_client.get(url)

    assert len(many.context["cl"].result_list) == 43
    with django_assert_max_num_queries(len(few.captured_queries)):  # no query per row
        staff_client.get(url)


def test_the_payment_page_costs_a_fixed_number_of_queries(
    staff_client, paid, staff, django_assert_max_num_queries
):
    payment = paid(prices=(30_000,))
    for _ in range(5):
        payment_cancel(payment_pk=payment.pk, actor=staff, reason="r", amount=1_000)

    with django_assert_max_num_queries(25):
        assert staff_client.get(change_url(payment)).status_code == 200
