import pytest

from orders.models import Order
from orders.services import OrderLine, order_create
from payments import gateway


@pytest.fixture
def bootpay(sandbox, make_gateway):
    """The services talk to the emulator over HTTP through the real SDK (short timeout for fault tests)."""
    gateway.set_gateway(make_gateway(timeout_s=1.0))
    yield sandbox
    gateway.set_gateway(None)


@pytest.fixture
def make_order(buyer, make_product):
    def make(*, user=None, prices=(10_000,), quantities=None, tax_free=(), stock=10) -> Order:
        lines = []
        for index, price in enumerate(prices):
            product = make_product(price=price, stock=stock, is_tax_free=index in tax_free)
            lines.append(OrderLine(product.pk, (quantities or [1] * len(prices))[index]))
        return order_create(buyer=user or buyer, lines=lines)

    return make


@pytest.fixture
def pay_at_pg(bootpay):
    """What the buyer's browser does: pay at Bootpay for an order, returning the receipt id."""

    def pay(order: Order, *, price=None, tax_free=None, order_id=None, **options) -> str:
        receipt = bootpay.state.create_receipt(
            order_id=order_id or order.order_id,
            price=order.total_amount if price is None else price,
            tax_free=order.tax_free_amount if tax_free is None else tax_free,
            order_name=order.order_name,
            **options,
        )
        return receipt["receipt_id"]

    return pay
