"""Helpers of the escrow tests: ship a line, lose a cancellation's answer, a gateway refusing once."""

import pytest

from config.errors import DomainError
from orders.services import order_item_mark_shipped
from payments.gateway import GatewayError
from payments.models import Cancellation
from payments.services import payment_cancel

SHIP = ("PUT", "escrow/shipping/start")  # the emulator's call counter key of a shipping registration


def ship(order, line, actor, courier="CJ대한통운", tracking_number="1234-5678-9012"):
    return order_item_mark_shipped(
        order_pk=order.pk, item_pk=line.pk, actor=actor, courier=courier, tracking_number=tracking_number
    )


def lose_cancel_answer(bootpay, payment, actor, **cancel):
    """A cancellation sent to Bootpay whose answer is lost: it stays `requested` until reconcile."""
    bootpay.state.add_fault(path="cancel", mode="status_500", times=1)
    with pytest.raises(DomainError):
        payment_cancel(payment_pk=payment.pk, actor=actor, reason="changed my mind", **cancel)
    assert Cancellation.objects.filter(payment=payment, state="requested").exists()


class RefuseOnceGateway:
    """Bootpay refuses the first registration (e.g. an unknown delivery_corp), then behaves."""

    def __init__(self, real):
        self.real, self.refused = real, False

    def shipping_start(self, **kwargs):
        if not self.refused:
            self.refused = True
            raise GatewayError("RC_INVALID_DELIVERY_CORP", "택배사 코드가 올바르지 않습니다.", payload={})
        return self.real.shipping_start(**kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)
