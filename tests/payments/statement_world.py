"""A small marketplace month for the statement adapters' tests (REST and GraphQL).

Orders are paid at the Bootpay emulator and verified, a seller refunds its line through the cancel
service; only the booking instants are moved onto known days of November 2026 (Asia/Seoul).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from orders.models import Seller
from orders.services import OrderLine, order_create
from payments.models import Cancellation, Payment
from payments.services import payment_cancel, payment_verify
from payments.statements.services import payments_rebook

KST = ZoneInfo("Asia/Seoul")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
SALE_DAY, REFUND_DAY = date(2026, 11, 2), date(2026, 11, 5)


def kst(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=KST)


@dataclass
class StatementWorld:
    coffee: Seller  # sells a taxable 30,000 line on 11-02 (refunded on 11-05) and a 12,000 one on 11-05
    farm: Seller  # sells a tax-free 20,000 line on 11-02, in the same order as coffee's first
    idle: Seller  # sells nothing
    users: dict = field(default_factory=dict)  # role → user (None: anonymous)
    payments: list[Payment] = field(default_factory=list)


def build_statement_world(*, buyer, make_user, make_seller, make_product, pay_at_pg) -> StatementWorld:
    coffee, farm, idle = make_seller("coffee"), make_seller("farm"), make_seller("idle")
    beans = make_product(seller=coffee, price=30_000, stock=100)
    cups = make_product(seller=coffee, price=12_000, stock=100)
    rice = make_product(seller=farm, price=20_000, stock=100, is_tax_free=True)
    world = StatementWorld(
        coffee=coffee,
        farm=farm,
        idle=idle,
        users={
            "anonymous": None,
            "buyer": buyer,
            "coffee": coffee.user,
            "farm": farm.user,
            "idle": idle.user,
            "staff": make_user("ops", is_staff=True),
        },
    )
    first = pay(buyer, pay_at_pg, [(beans, 1), (rice, 1)], SALE_DAY)
    world.payments = [first, pay(buyer, pay_at_pg, [(cups, 1)], REFUND_DAY)]
    refund = payment_cancel(
        payment_pk=first.pk,
        actor=coffee.user,
        reason="out of stock",
        item_ids=[first.order.items.get(product=beans).pk],
    )
    assert refund.state == "succeeded"
    Cancellation.objects.filter(pk=refund.pk).update(completed_at=kst(REFUND_DAY, 15))
    payments_rebook([first.pk])  # the bare UPDATEs above bypass the bookings: book what they now say
    return world


def pay(buyer, pay_at_pg, lines, day: date) -> Payment:
    """An order of (product, quantity) lines paid at the emulator, booked at 10:00 on `day`."""
    order = order_create(buyer=buyer, lines=[OrderLine(product.pk, quantity) for product, quantity in lines])
    payment = payment_verify(order_id=order.order_id, receipt_id=pay_at_pg(order), actor=buyer)
    assert payment.status == "paid"
    Payment.objects.filter(pk=payment.pk).update(purchased_at=kst(day, 10))
    payments_rebook([payment.pk])
    return payment
