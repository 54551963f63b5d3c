"""Where events come from: the core's and the capabilities' signals and append-only logs.

Each receiver runs inside the transaction that makes the change, under the aggregate's row lock (the
order's for payments, refunds, escrow and cash receipts; the subscription's for its log), and records
its event with a deduplication key, so a fact seen twice (a webhook and a verify racing, a log entry
saved again) is one event. None of the senders imports this package: they are connected here.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from orders.models import Order
from payments.billing.models import Subscription, SubscriptionEvent
from payments.cash_receipts.models import CashReceiptIssuance
from payments.events.models import Event, EventType
from payments.events.services.dispatch import event_dispatching
from payments.events.services.outbox import event_record, iso, order_snapshot, payment_snapshot
from payments.events.services.partner_webhooks import on_event_dispatching
from payments.models import Cancellation, Payment, PaymentEvent
from payments.services.common import order_paid

Status = Payment.Status


def connect() -> None:
    order_paid.connect(on_order_paid, dispatch_uid="payments.events.order_paid")
    post_save.connect(on_payment_event, sender=PaymentEvent, dispatch_uid="payments.events.payment_event")
    post_save.connect(
        on_cash_receipt_saved, sender=CashReceiptIssuance, dispatch_uid="payments.events.cash_receipt"
    )
    post_save.connect(
        on_subscription_event, sender=SubscriptionEvent, dispatch_uid="payments.events.subscription_event"
    )
    # Consumers of dispatched events: partner webhooks create their deliveries.
    event_dispatching.connect(on_event_dispatching, dispatch_uid="payments.events.partner_webhooks")
    # Consumers of dispatched events: notifications (buyers, sellers, staff).
    event_dispatching.connect(on_event_dispatching_notify, dispatch_uid="payments.events.notifications")


def on_event_dispatching_notify(sender: object = None, *, event: Event, **_: Any) -> None:
    from payments.events.services.notifications import notifications_create

    notifications_create(event=event)


def _order_aggregate(order: Order) -> str:
    return f"order:{order.order_id}"


# --- Orders and payments --------------------------------------------------------------------------------


def on_order_paid(sender: object = None, *, order: Order, **_: Any) -> None:
    payment = (
        Payment.objects.filter(order=order, status__in=(Status.PAID, Status.PARTIALLY_CANCELLED))
        .order_by("-pk")
        .first()
    )
    event_record(
        type=EventType.ORDER_PAID,
        dedup_key=f"{EventType.ORDER_PAID}:{order.order_id}",
        aggregate=_order_aggregate(order),
        order=order,
        data={"order": order_snapshot(order), "payment": payment_snapshot(payment) if payment else None},
    )


def on_payment_event(sender: object = None, *, instance: PaymentEvent, created: bool, **_: Any) -> None:
    if not created:
        return
    before, after = instance.from_status, instance.to_status
    if instance.kind in _REFUND_EVENTS:
        payment = instance.payment
        cancel_id = (instance.data or {}).get("cancel_id", "")
        _refund_record(_REFUND_EVENTS[instance.kind], payment, payment.order, cancel_id)
        return
    if after == Status.AWAITING_DEPOSIT and before != Status.AWAITING_DEPOSIT:
        kind = EventType.PAYMENT_VIRTUAL_ACCOUNT_ISSUED
    elif after == Status.PAID and before == Status.AWAITING_DEPOSIT:
        kind = EventType.PAYMENT_DEPOSIT_RECEIVED
    elif after == Status.FAILED and before != Status.FAILED:
        kind = EventType.PAYMENT_FAILED
    elif instance.kind == PaymentEvent.Kind.ESCROW_REGISTERED:
        kind = EventType.ESCROW_REGISTERED
    else:
        return
    payment = instance.payment
    order = payment.order
    data: dict[str, Any] = {"order": order_snapshot(order), "payment": payment_snapshot(payment)}
    if kind == EventType.PAYMENT_VIRTUAL_ACCOUNT_ISSUED:
        account = payment.virtual_account
        data["virtual_account"] = (
            {
                "bank_name": account.bank_name,
                "account_number": account.account_number,
                "holder": account.holder,
                "due_at": iso(account.due_at),
            }
            if account is not None
            else None
        )
    elif kind == EventType.PAYMENT_FAILED:
        data["error_code"] = (instance.data or {}).get("code", "") or (instance.data or {}).get(
            "error_code", ""
        )
    if kind == EventType.ESCROW_REGISTERED:
        registration = getattr(payment, "escrow_registration", None)
        data["escrow"] = (
            {
                "item_id": registration.item_id,
                "courier": registration.courier,
                "tracking_number": registration.tracking_number,
            }
            if registration is not None
            else None
        )
    event_record(
        type=kind,
        dedup_key=f"{kind}:{payment.public_id}",
        aggregate=_order_aggregate(order),
        order=order,
        data=data,
    )


_REFUND_EVENTS = {
    PaymentEvent.Kind.CANCEL_REQUESTED: EventType.REFUND_REQUESTED,
    PaymentEvent.Kind.CANCEL_SUCCEEDED: EventType.REFUND_SUCCEEDED,
    PaymentEvent.Kind.CANCELLED_AT_PG: EventType.REFUND_SUCCEEDED,  # made in Bootpay's console
    PaymentEvent.Kind.CANCEL_FAILED: EventType.REFUND_FAILED,
}


def _refund_record(kind: str, payment: Payment, order: Order, cancel_id: str) -> None:
    cancellation = Cancellation.objects.filter(payment=payment, cancel_id=cancel_id).first()
    if cancellation is None or payment.purchased_at is None:
        # A payment that never took money (a virtual account withdrawn before its deposit) gives
        # nothing back: no refund to tell anyone of.
        return
    refund = {
        "cancel_id": cancellation.cancel_id,
        "state": cancellation.state,
        "amount": cancellation.amount,
        "tax_free_amount": cancellation.tax_free_amount,
        "reason": cancellation.reason,
        "item_ids": sorted(cancellation.items.values_list("pk", flat=True)),
        # Whom it is charged to (their statements' refund): a line refund its lines' sellers; an amount
        # refund, a whole cancel or one made at Bootpay each seller pro rata. They are its readers.
        "shares": [
            {"seller_id": seller_id, "amount": amount}
            for seller_id, amount in cancellation.shares.order_by("seller_id").values_list(
                "seller_id", "amount"
            )
        ],
        "error_code": cancellation.error_code,
        "requested_at": iso(cancellation.created_at),
        "completed_at": iso(cancellation.completed_at),
    }
    event_record(
        type=kind,
        dedup_key=f"{kind}:{cancel_id}",
        aggregate=_order_aggregate(order),
        order=order,
        data={"order": order_snapshot(order), "payment": payment_snapshot(payment), "refund": refund},
    )


# --- Cash receipts ----------------------------------------------------------------------------------


_CASH_RECEIPT_EVENTS = {
    CashReceiptIssuance.State.ISSUED: EventType.CASH_RECEIPT_ISSUED,
    CashReceiptIssuance.State.CANCELLED: EventType.CASH_RECEIPT_CANCELLED,
}


def on_cash_receipt_saved(sender: object = None, *, instance: CashReceiptIssuance, **_: Any) -> None:
    kind = _CASH_RECEIPT_EVENTS.get(instance.state)
    if kind is None:
        return
    order = instance.order
    # The receipt without whom it was issued to: no identifier, not even masked.
    receipt = {
        "type": instance.type,
        "kind": instance.kind,
        "approval_no": instance.approval_no,
        "amount": instance.amount,
        "tax_free_amount": instance.tax_free,
        "issued_at": iso(instance.issued_at),
        "cancelled_at": iso(instance.cancelled_at),
    }
    event_record(
        type=kind,
        dedup_key=f"{kind}:{instance.pk}",
        aggregate=_order_aggregate(order),
        order=order,
        data={"order_id": order.order_id, "cash_receipt": receipt},
    )


# --- Subscriptions --------------------------------------------------------------------------------------

SubKind = SubscriptionEvent.Kind
_SUBSCRIPTION_EVENTS = {
    SubKind.CREATED: EventType.SUBSCRIPTION_STARTED,
    SubKind.CHARGED: EventType.SUBSCRIPTION_CHARGED,
    SubKind.DECLINED: EventType.SUBSCRIPTION_DECLINED,
    SubKind.PAST_DUE: EventType.SUBSCRIPTION_PAST_DUE,
    SubKind.CANCELLED: EventType.SUBSCRIPTION_CANCELLED,
}
# Billing's legal notices (docs/billing.md) log these kinds when it adds them.
for _kind, _type in (
    ("upcoming_charge", EventType.SUBSCRIPTION_UPCOMING_CHARGE),
    ("price_change_pending", EventType.SUBSCRIPTION_PRICE_CHANGE_PENDING),
):
    _SUBSCRIPTION_EVENTS[_kind] = _type

# What of a log entry's data may leave: never a billing key's id, a PG message or an actor.
_SUBSCRIPTION_DETAIL_KEYS = (
    "period",
    "order_id",
    "receipt_id",
    "amount",
    "period_end",
    "pg_code",
    "reason",
    "retry",
    "at",
    "charge_at",
    "price",
    "new_price",
    "effective_at",
    "consent_deadline",
    "on_no_consent",
)


def subscription_snapshot(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": subscription.subscription_id,
        "status": subscription.status,
        "product_id": subscription.product_id,
        "interval": subscription.interval,
        "price": subscription.price,
        "tax_free_amount": subscription.tax_free,
        "current_period": subscription.current_period,
        "current_period_end": iso(subscription.current_period_end),
        "next_charge_at": iso(subscription.next_charge_at),
        "buyer_id": subscription.buyer_id,
    }


def on_subscription_event(
    sender: object = None, *, instance: SubscriptionEvent, created: bool, **_: Any
) -> None:
    kind = _SUBSCRIPTION_EVENTS.get(instance.kind)
    if not created or kind is None:
        return
    subscription = Subscription.objects.select_related("product").get(pk=instance.subscription_id)
    detail = {key: instance.data[key] for key in _SUBSCRIPTION_DETAIL_KEYS if key in (instance.data or {})}
    order = None
    if detail.get("order_id"):
        order = Order.objects.filter(order_id=detail["order_id"]).first()
    event_record(
        type=kind,
        dedup_key=f"{kind}:{instance.pk}",
        aggregate=f"subscription:{subscription.subscription_id}",
        order=order,
        buyer_id=subscription.buyer_id,
        seller_id=subscription.product.seller_id,
        data={"subscription": subscription_snapshot(subscription), "detail": detail},
    )
