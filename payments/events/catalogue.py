"""The event catalogue: what each type means, who may see it, and what its `data` holds.

One definition read by the catalogue endpoint's schema (OpenAPI `webhooks`), docs/events.md, the
selectors (who sees what) and the consumers (who is told).
"""

from __future__ import annotations

from dataclasses import dataclass

from payments.events.models import EventType


@dataclass(frozen=True)
class EventSpec:
    type: str
    summary: str
    data: tuple[str, ...]  # top-level keys of `data`
    staff_only: bool = False  # only staff's endpoints and lists get it (a seller may not subscribe to it)
    for_sellers: bool = True  # the sellers of the lines it is about may read it (never when staff_only)


ORDER_DATA = ("order", "payment")
REFUND_DATA = ("order", "payment", "refund")
SUBSCRIPTION_DATA = ("subscription", "detail")

CATALOGUE: dict[str, EventSpec] = {
    spec.type: spec
    for spec in (
        EventSpec(
            EventType.ORDER_PAID,
            "An order is paid (card approval, deposit, or a subscription charge).",
            ORDER_DATA,
        ),
        EventSpec(
            EventType.PAYMENT_VIRTUAL_ACCOUNT_ISSUED,
            "A virtual account was issued; the buyer must deposit into it before `due_at`.",
            (*ORDER_DATA, "virtual_account"),
        ),
        EventSpec(
            EventType.PAYMENT_DEPOSIT_RECEIVED, "The buyer deposited into the virtual account.", ORDER_DATA
        ),
        EventSpec(
            EventType.PAYMENT_FAILED,
            "The payment was refused or failed verification.",
            (*ORDER_DATA, "error_code"),
        ),
        EventSpec(
            EventType.REFUND_REQUESTED,
            "A refund (cancel) was requested and is being sent to the PG.",
            REFUND_DATA,
        ),
        EventSpec(
            EventType.REFUND_SUCCEEDED,
            "A refund went through at the PG (ours, or one made in Bootpay's console).",
            REFUND_DATA,
        ),
        EventSpec(EventType.REFUND_FAILED, "The PG refused a refund (`refund.error_code`).", REFUND_DATA),
        EventSpec(EventType.SUBSCRIPTION_STARTED, "A subscription was created.", SUBSCRIPTION_DATA),
        EventSpec(
            EventType.SUBSCRIPTION_CHARGED, "A subscription period was charged and paid.", SUBSCRIPTION_DATA
        ),
        EventSpec(
            EventType.SUBSCRIPTION_DECLINED,
            "A subscription charge was declined (`detail.pg_code`).",
            SUBSCRIPTION_DATA,
        ),
        EventSpec(
            EventType.SUBSCRIPTION_PAST_DUE,
            "A subscription is past due; charges are retried.",
            SUBSCRIPTION_DATA,
        ),
        EventSpec(
            EventType.SUBSCRIPTION_CANCELLED,
            "A subscription was cancelled (`detail.reason`).",
            SUBSCRIPTION_DATA,
        ),
        EventSpec(
            EventType.SUBSCRIPTION_UPCOMING_CHARGE,
            "A paid charge follows a free period: the legal advance notice (docs/billing.md).",
            SUBSCRIPTION_DATA,
        ),
        EventSpec(
            EventType.SUBSCRIPTION_PRICE_CHANGE_PENDING,
            "A price increase waits for the subscriber's consent (docs/billing.md).",
            SUBSCRIPTION_DATA,
        ),
        EventSpec(
            EventType.ESCROW_REGISTERED,
            "An escrow payment's shipment was registered with the PG.",
            (*ORDER_DATA, "escrow"),
        ),
        # The buyer's tax matter: the orders API shows a seller no cash receipt either.
        EventSpec(
            EventType.CASH_RECEIPT_ISSUED,
            "A cash receipt (현금영수증) was issued.",
            ("order_id", "cash_receipt"),
            for_sellers=False,
        ),
        EventSpec(
            EventType.CASH_RECEIPT_CANCELLED,
            "A cash receipt was cancelled.",
            ("order_id", "cash_receipt"),
            for_sellers=False,
        ),
        EventSpec(
            EventType.PG_OUTCOME_OPEN,
            "A call to the PG is still unanswered after its grace: staff must check it (docs/operations).",
            ("kind", "reference", "order_id", "payment_id", "subscription_id", "amount", "open_since"),
            staff_only=True,
        ),
    )
}

STAFF_ONLY_TYPES = tuple(spec.type for spec in CATALOGUE.values() if spec.staff_only)
NOT_FOR_SELLERS = frozenset(
    spec.type for spec in CATALOGUE.values() if spec.staff_only or not spec.for_sellers
)
