"""Notifications through a real SMTP server (aiosmtpd, started by the tests) on an order paid through
the Bootpay emulator: who gets which mail, once, in which language, with which lines; the server down
and then up; two senders racing on PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from orders.models import Product
from orders.services import OrderLine, order_create
from payments.events.models import Notification, NotificationPreference
from payments.events.services.dispatch import events_dispatch
from payments.events.services.notifications import notification_send, notifications_send_due
from payments.events.tasks import notifications_sweep_task
from payments.services import payment_verify
from tests.payments.events.smtp_server import bodies

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(buyer, make_seller):
    buyer.email = "buyer@example.test"
    buyer.save()
    alpha, beta = make_seller("alpha"), make_seller("beta")
    for seller in (alpha, beta):
        seller.user.email = f"{seller.name}@example.test"
        seller.user.save()
    return buyer, alpha, beta


@pytest.fixture
def paid_order(people, make_product, pay_at_pg):
    """An order with a line of each seller, paid at the emulator and verified (the real flow)."""
    buyer, alpha, beta = people

    def pay():
        mug = make_product(seller=alpha, price=12_000)
        Product.objects.filter(pk=mug.pk).update(name='<b>Mug & "Cup"</b>')  # sellers' input
        tea = make_product(seller=beta, price=3_000)
        Product.objects.filter(pk=tea.pk).update(name="녹차 티백")
        order = order_create(buyer=buyer, lines=[OrderLine(mug.pk, 1), OrderLine(tea.pk, 2)])
        payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
        return order

    return pay


def test_an_order_paid_mails_the_buyer_and_each_seller_once_with_their_own_lines(
    smtp_server, people, paid_order
):
    buyer, alpha, beta = people
    NotificationPreference.objects.create(user=buyer, language="en")

    order = paid_order()
    events_dispatch()  # a second dispatch (the beat's sweep) and a sweep add nothing
    notifications_sweep_task()

    inbox = smtp_server.inbox
    assert len(inbox.messages) == 3
    (to_buyer,), (to_alpha,), (to_beta,) = (
        inbox.to(f"{name}@example.test") for name in ("buyer", "alpha", "beta")
    )
    assert to_buyer["Subject"].strip() == f"[상점] Your order is paid ({order.order_id})"
    assert to_buyer.get_content_type() == "multipart/alternative"
    text, html = bodies(to_buyer)
    assert "KRW 18,000" in text and "KRW 18,000" in html
    assert '<b>Mug & "Cup"</b>' in text and "녹차 티백" in text  # plain text: as typed
    assert "&lt;b&gt;Mug &amp; &quot;Cup&quot;&lt;/b&gt;" in html and "<b>Mug" not in html  # HTML: escaped

    assert to_alpha["Subject"].strip() == f"[상점] 새 주문이 결제되었습니다 ({order.order_id})"
    text, html = bodies(to_alpha)
    assert '<b>Mug & "Cup"</b>' in text and "12,000원" in text
    assert "녹차 티백" not in text + html and "18,000" not in text + html  # not the other seller's lines
    text, html = bodies(to_beta)
    assert "녹차 티백" in text and "6,000원" in text and "Mug" not in text + html
    for message in (to_alpha, to_beta):
        assert "buyer@example.test" not in message.as_string()
    assert set(Notification.objects.values_list("state", "attempts", "channel")) == {("sent", 1, "email")}
    assert Notification.objects.count() == 3


def test_smtp_down_then_up_sends_each_mail_once_after_the_backoff(smtp_server, people, paid_order):
    smtp_server.stop()

    paid_order()

    pending = list(Notification.objects.order_by("pk"))
    assert [(row.state, row.attempts) for row in pending] == [("pending", 1)] * 3
    assert all(row.error.startswith("ConnectionRefusedError") for row in pending)
    assert all(row.next_attempt_at > timezone.now() + timedelta(seconds=20) for row in pending)
    notifications_sweep_task()  # not due yet: nothing is tried
    assert Notification.objects.filter(attempts=1).count() == 3

    smtp_server.start()
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # the backoff passed
    assert notifications_sweep_task() == 3
    assert notifications_sweep_task() == 0

    assert len(smtp_server.inbox.messages) == 3
    assert set(Notification.objects.values_list("state", "attempts")) == {("sent", 2)}


def test_a_definite_smtp_refusal_fails_without_retrying(smtp_server, people, paid_order, monkeypatch):
    import smtplib

    def refuse(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no such user x@example.test")})

    monkeypatch.setattr("django.core.mail.backends.smtp.EmailBackend.send_messages", refuse)
    paid_order()

    assert set(Notification.objects.values_list("state", "error")) == {("failed", "SMTPRecipientsRefused")}


@pytest.mark.postgres_only
def test_two_senders_racing_for_one_notification_send_it_once(smtp_server, people, paid_order, monkeypatch):
    monkeypatch.setattr("payments.events.services.notifications._enqueue", lambda ids: None)
    paid_order()
    notification = Notification.objects.get(recipient=people[0])
    assert notification.state == "pending" and smtp_server.inbox.messages == []
    smtp_server.inbox.delay_s = 0.5  # the first send is still on the wire when the second one claims
    start, outcomes, failures = threading.Barrier(2), [], []

    def attempt():
        try:
            start.wait(timeout=10)
            outcomes.append(notification_send(notification_id=notification.pk)[0])
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads) and failures == []
    assert sorted(outcomes) == ["not_due", "sent"]
    assert len(smtp_server.inbox.to("buyer@example.test")) == 1
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("sent", 1)
    assert notifications_send_due() == 0 or len(smtp_server.inbox.to("buyer@example.test")) == 1
