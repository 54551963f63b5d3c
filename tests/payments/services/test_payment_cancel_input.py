"""payment_cancel checks its own input, so every adapter (REST, GraphQL, admin) gets the same answer."""

import pytest

from config.errors import DomainError, ErrorCode
from payments.models import Cancellation
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(buyer, make_order, pay_at_pg):
    order = make_order(prices=(10_000,))
    return payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"reason": "ok", "idempotency_key": ""}, "Idempotency-Key"),
        ({"reason": "ok", "idempotency_key": "k" * 101}, "Idempotency-Key"),
    ],
)
def test_a_bad_reason_or_key_is_refused_before_anything_is_stored(buyer, payment, options, field):
    with pytest.raises(DomainError) as error:
        payment_cancel(payment_pk=payment.pk, actor=buyer, **options)

    assert error.value.code == ErrorCode.VALIDATION_ERROR
    assert list(error.value.details["fields"]) == [field]
    assert not Cancellation.objects.exists()


def test_a_reason_of_200_characters_is_kept_whole(buyer, payment):
    cancellation = payment_cancel(
        payment_pk=payment.pk, actor=buyer, reason="x" * 200, idempotency_key="k" * 100
    )

    assert cancellation.reason == "x" * 200
