"""Property over the whole rules space: whatever a payment's `actions` show as possible succeeds at the
emulator (which plays the PGs' own rules, written apart from ours), and nothing shown as impossible
reaches Bootpay: it is refused by our API with the code the reason names, and the PG, asked directly,
would have refused it too (we hold back nothing the PG takes).

The space: PG (listed, not listed, wallet) × method (card, vbank, bank, phone) × the phone month
rolled over or not × the merchant's CMS contract for virtual accounts; each action tried on a fresh
payment, by the caller who would make it (the buyer for a whole cancel and a line refund, staff for an
amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from payments.models import Payment
from payments.sandbox.common import SandboxError
from payments.services import payment_reconcile, payment_verify

pytestmark = pytest.mark.django_db

PGS = ["나이스페이먼츠", "KCP", "토스페이먼츠", "카카오페이"]
METHODS = ["card", "vbank", "bank", "phone"]
REFUND = {"bank_code": "004", "bank_account": "123456-01-234567", "bank_username": "홍길동"}


@dataclass(frozen=True)
class Case:
    pg: str
    method: str
    month_over: bool = False
    cms_contract: bool = True

    def __str__(self) -> str:
        extra = ("-month-over" if self.month_over else "") + ("" if self.cms_contract else "-no-cms")
        return f"{self.pg}-{self.method}{extra}"


CASES = (
    [Case(pg, method) for pg in PGS for method in METHODS]
    + [Case(pg, "phone", month_over=True) for pg in PGS]
    + [Case(pg, "vbank", cms_contract=False) for pg in PGS]
)
ACTIONS = ["cancel", "partial_cancel", "line_cancel"]
PG_PRICE = {"cancel": None, "partial_cancel": 1_000, "line_cancel": 6_000}  # what each sends to Bootpay


@pytest.fixture
def staff(make_user):
    return make_user("ops", is_staff=True)


@pytest.fixture
def paid_payment(buyer, make_order, pay_at_pg, bootpay, settings):
    """A payment of two lines (6,000 + 4,000) holding its money, as the case's PG took it."""

    def make(case: Case) -> Payment:
        settings.BOOTPAY_VBANK_REFUND_CONTRACT = case.cms_contract
        bootpay.state.update_settings(vbank_refund_contract=case.cms_contract)
        order = make_order(prices=(6_000, 4_000))
        if case.month_over:  # paid 40 days ago, at the emulator and so in our books
            bootpay.state.advance_clock(-40 * 86_400)
        state = "vbank_issued" if case.method == "vbank" else "paid"
        receipt_id = pay_at_pg(order, method=case.method, state=state, pg=case.pg)
        payment = payment_verify(order_id=order.order_id, receipt_id=receipt_id, actor=buyer)
        if case.method == "vbank":
            bootpay.state.deposit(receipt_id)
            payment_reconcile(older_than_minutes=0)
        if case.month_over:
            bootpay.state.advance_clock(40 * 86_400)
        payment.refresh_from_db()
        assert payment.status == "paid"
        assert case.month_over == (payment.purchased_at < payment.created_at - timedelta(days=30))
        return payment

    return make


def attempt(action, payment, *, buyer_client, staff_client):
    body = {"reason": "rules property"}
    if payment.method == "vbank":
        body["refund"] = REFUND
    client = buyer_client
    if action == "partial_cancel":
        body["amount"] = 1_000
        client = staff_client
    elif action == "line_cancel":
        body["items"] = [payment.order.items.order_by("pk").first().pk]
    return client.post(f"/api/v1/payments/{payment.public_id}/cancel/", body, format="json")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_what_actions_offer_succeeds_at_the_pg_and_nothing_else_is_sent(
    case, action, paid_payment, buyer, staff, api_client_for, bootpay
):
    payment = paid_payment(case)
    buyer_client, staff_client = api_client_for(buyer), api_client_for(staff)
    shown = buyer_client.get(f"/api/v1/payments/{payment.public_id}/").json()["actions"]
    assert staff_client.get(f"/api/v1/payments/{payment.public_id}/").json()["actions"] == shown
    cancels_before = bootpay.state.call_count("POST", "cancel")

    response = attempt(action, payment, buyer_client=buyer_client, staff_client=staff_client)

    sent = bootpay.state.call_count("POST", "cancel") - cancels_before
    if shown[action]:
        assert response.status_code == 200, response.json()
        assert response.json()["cancellation"]["state"] == "succeeded"
        assert sent == 1
    else:
        reason = next(r for r in shown["reasons"] if r["action"] == action)
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == reason["code"]
        assert sent == 0  # refused before Bootpay heard of it
        with pytest.raises(SandboxError):  # and the PG itself would have refused it
            bootpay.state.cancel(payment.receipt_id, cancel_price=PG_PRICE[action], refund=REFUND)


def test_the_space_holds_both_answers_for_every_action(settings):
    """The property above would hold vacuously if the cases offered (or refused) everything."""
    from payments.pg_rules import payment_actions

    offered = {action: set() for action in ACTIONS}
    for case in CASES:
        settings.BOOTPAY_VBANK_REFUND_CONTRACT = case.cms_contract
        from django.utils import timezone

        now = timezone.now()
        paid_at = now - timedelta(days=40) if case.month_over else now
        result = payment_actions(
            pg=case.pg, method=case.method, status="paid", balance=10_000, paid_at=paid_at, now=now
        )
        for action in ACTIONS:
            offered[action].add(getattr(result, action))
    assert all(answers == {True, False} for answers in offered.values())
