"""The cash receipts admin: lists masked, filters, and the retry action calls the reconciler."""

import pytest

from payments.cash_receipts.models import CashReceiptIssuance

pytestmark = pytest.mark.django_db


def test_staff_see_failures_masked_and_retry_them(client, make_user, cash_order, paid_cash, cash_bootpay):
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    order = cash_order(choice={"type": "income_deduction", "identifier": "01012345678"})
    cash_bootpay.fault("cash_receipt_publish", "RC_CASH_RECEIPT_FAILED")
    paid_cash(order)
    failed = CashReceiptIssuance.objects.get(order=order)

    listing = client.get("/admin/cash_receipts/cashreceiptissuance/?outcome=failed")
    page = client.get(f"/admin/cash_receipts/cashreceiptissuance/{failed.pk}/change/")
    response = client.post(
        "/admin/cash_receipts/cashreceiptissuance/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )

    assert listing.status_code == 200 and "010-****-5678" in listing.content.decode()
    for answer in (listing, page):
        assert (
            "01012345678" not in answer.content.decode()
            and failed.identifier_encrypted not in answer.content.decode()
        )
    assert response.status_code == 302
    assert [r.state for r in CashReceiptIssuance.objects.filter(order=order).order_by("pk")] == [
        "failed",
        "issued",
    ]
