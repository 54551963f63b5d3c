"""What Bootpay answered, or did not: no answer (`unknown`), a decline and its retry schedule, a receipt
the money core refused and refunded, answers to an earlier attempt; the open outcomes staff settle (and the
statement reconciliation reports), and the sweep of senders whose lease ran out.

An unknown outcome is never re-sent automatically: Bootpay's Python SDK cannot look a charge up by our
order_id, so a charge that timed out may have been applied. Its webhook books it; after
`BILLING_UNKNOWN_GRACE` without one the subscription turns past_due for staff (`services/staff.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.errors import ErrorCode
from orders.models import Order
from orders.services import order_close_unpaid, order_lock
from payments.billing.models import BillingKey, Subscription, SubscriptionCharge
from payments.billing.services.common import (
    KEY_GONE,
    OPEN_STATES,
    SYSTEM,
    KeyStatus,
    Kind,
    State,
    SubStatus,
    _cancel_in_tx,
    _charge_lock,
    _event,
    _late_answer,
    _mark_unknown,
    _period_order_closed,
    retry_schedule,
)
from payments.billing.services.keys import _key_destroy_if_unused
from payments.billing.states import ChargeEvent, charge_transition
from payments.gateway import Gateway, parse_moment
from payments.models import Payment
from payments.services.common import Actor
from payments.services.reconcile import StatementDifference


def _charge_unknown(
    charge_pk: int, *, actor: Actor, reason: str, stage: str, attempt: int | None = None
) -> SubscriptionCharge:
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk)
        if _late_answer(subscription, charge, attempt=attempt, actor=actor, outcome="unknown"):
            return charge
        if charge.state == State.SENDING:
            _mark_unknown(subscription, charge, actor=actor, reason=reason, stage=stage)
    return charge


def _charge_declined(
    charge_pk: int,
    *,
    actor: Actor,
    code: str,
    message: str,
    gateway: Gateway,
    reserve_id: str = "",
    attempt: int | None = None,
) -> SubscriptionCharge:
    """A definite refusal of a period's charge: the retry schedule, or the end of the subscription.

    The first period is never retried (subscribing failed). SUBSCRIBE_BK_EXPIRED (the key is gone)
    ends it at once. Otherwise: first decline → past_due; retries at BILLING_RETRY_SCHEDULE_HOURS after
    the first decline; the last one declined → cancelled (and the key destroyed when nothing else uses it).
    """
    now = timezone.now()
    destroy_key = False
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk, consumed_reserve_id=reserve_id)
        if _late_answer(subscription, charge, attempt=attempt, actor=actor, outcome="declined", pg_code=code):
            return charge
        if charge.state not in (State.SENDING, State.UNKNOWN, State.PENDING):
            return charge  # settled meanwhile
        charge_transition(charge, ChargeEvent.DECLINED)
        charge.last_error_code = code[:60]
        charge.sending_until = None
        charge.first_declined_at = charge.first_declined_at or now
        charge.save()
        _event(
            subscription,
            Kind.DECLINED,
            actor,
            period=charge.period,
            pg_code=code,
            pg_message=message[:200],
            attempt=charge.attempts,
        )
        close_order = True
        schedule = retry_schedule()
        keep = {"keep_state_of": charge.pk}
        if subscription.status == SubStatus.CANCELLED:
            pass
        elif code == KEY_GONE:
            BillingKey.objects.filter(pk=subscription.billing_key_id, status=KeyStatus.ACTIVE).update(
                status=KeyStatus.EXPIRED
            )
            _cancel_in_tx(subscription, actor=actor, reason="billing_key_gone", now=now, **keep)
        elif charge.period == 1 and subscription.trial_ends_at is None:  # after a trial: retried
            _cancel_in_tx(subscription, actor=actor, reason="first_charge_declined", now=now, **keep)
        elif subscription.retry_count < len(schedule):
            close_order = False
            if subscription.status != SubStatus.PAST_DUE:
                subscription.status = SubStatus.PAST_DUE
                _event(subscription, Kind.PAST_DUE, actor, period=charge.period, reason="declined")
            # On the schedule from the first decline, but never sooner than its first step after this
            # one: retries held back (the buyer paid by virtual account meanwhile) do not run back to back.
            subscription.next_charge_at = max(
                charge.first_declined_at + schedule[subscription.retry_count], now + schedule[0]
            )
            subscription.retry_count += 1
            subscription.save(update_fields=["status", "next_charge_at", "retry_count", "updated_at"])
            _event(
                subscription,
                Kind.RETRY_SCHEDULED,
                actor,
                period=charge.period,
                retry=subscription.retry_count,
                at=subscription.next_charge_at.isoformat(),
            )
        else:
            _cancel_in_tx(subscription, actor=actor, reason="retries_exhausted", now=now, **keep)
            destroy_key = True
        if close_order:
            order_close_unpaid(order_pk=charge.order_id, label="subscription")
    if destroy_key:
        _key_destroy_if_unused(
            key_pk=subscription.billing_key_id, subscription=subscription, actor=actor, gateway=gateway
        )
    return charge


def _charge_refunded(
    charge_pk: int, *, actor: Actor, receipt_id: str, code: str, reserve_id: str = "", its_own: bool = True
) -> SubscriptionCharge:
    """Bootpay took a period's money but the money core refused the receipt (`code`: the order closed or
    paid already, another payment of it under way, an amount that differs, or a receipt that holds no
    money any more) and gave back what it held. No decline: once per receipt, an event
    `charge_refunded`. `its_own`: the receipt is the answer to the charge's latest attempt; another
    attempt's receipt changes nothing else (the latest one's outcome stays as it is).
    Then: a charge whose outcome was open is settled — `paid` when the period is paid otherwise,
    `cancelled` when its order is closed (a live subscription is cancelled, `order_closed`), `pending`
    when the order is still open (charged again when due, not while another payment of it lives; a
    refusal other than `order_not_payable` puts the subscription past_due for staff, so a refusal that
    would repeat is not charged and refunded again and again). `reserve_id`: the reservation that ran
    (forgotten)."""
    now = timezone.now()
    with transaction.atomic():
        subscription, charge = _charge_lock(charge_pk, consumed_reserve_id=reserve_id)
        order = order_lock(order_pk=charge.order_id)
        if subscription.events.filter(kind=Kind.CHARGE_REFUNDED, data__receipt_id=receipt_id).exists():
            return charge
        _event(
            subscription,
            Kind.CHARGE_REFUNDED,
            actor,
            period=charge.period,
            receipt_id=receipt_id,
            code=code,
            attempt=charge.attempts,
            settles_the_charge=its_own,
        )
        if not its_own and charge.state in OPEN_STATES:
            return charge
        if order.paid_at is not None:
            # Paid another way: once the period has advanced the charge is simply paid; before that,
            # `_period_settle` finds this event and does both.
            if charge.state in OPEN_STATES and charge.period <= subscription.current_period:
                charge_transition(charge, ChargeEvent.PAID)
                charge.sending_until = None
                charge.save(update_fields=["state", "sending_until", "updated_at"])
            return charge
        if not order.is_payable:
            _period_order_closed(subscription, charge, actor=actor, now=now, outcome_known=True)
            return charge
        if charge.state in OPEN_STATES:
            charge_transition(charge, ChargeEvent.REFUNDED)
            charge.sending_until = None
            charge.last_error_code = code[:60]
            charge.save(update_fields=["state", "sending_until", "last_error_code", "updated_at"])
        if subscription.status not in Subscription.LIVE_STATUSES:
            return charge
        if code != ErrorCode.ORDER_NOT_PAYABLE:
            subscription.status, subscription.next_charge_at = SubStatus.PAST_DUE, None
            subscription.save(update_fields=["status", "next_charge_at", "updated_at"])
            _event(
                subscription, Kind.PAST_DUE, actor, period=charge.period, reason="charge_refused", code=code
            )
        elif subscription.next_charge_at is None:  # escalated while unknown: known now, charged when due
            subscription.next_charge_at = now
            subscription.save(update_fields=["next_charge_at", "updated_at"])
    return charge


# Method symbols of receipts made with a billing key (Bootpay contract §3: `card_rebill_rest`; the others
# are the account and app variants it names, an assumption): a refused receipt of another method on a
# period's order is the buyer's own checkout, which settles nothing about our charge.
BILLING_CHARGE_METHODS = frozenset({"card_rebill_rest", "card_rebill", "automatic_transfer_rest"})


# Bootpay's clock against ours, and its receipts' whole seconds: a receipt made up to this long before its
# attempt was sent still counts as that attempt's (an earlier attempt's is older by at least a lease).
ATTEMPT_CLOCK_SKEW = timedelta(seconds=30)


def _answers_latest_attempt(charge: SubscriptionCharge, payment: Payment) -> bool:
    """Whether a payment's receipt answers the charge's latest attempt: made with a billing key, no
    earlier than that attempt was sent. The buyer's own checkout, or an earlier attempt's late receipt,
    leaves the latest attempt's outcome as it is (an open one stays open)."""
    made_at = _made_at(payment)
    if payment.method not in BILLING_CHARGE_METHODS or made_at is None:
        return False
    return charge.sent_at is None or made_at >= charge.sent_at - ATTEMPT_CLOCK_SKEW


def _made_at(payment: Payment) -> datetime | None:
    """When Bootpay made a payment's receipt: paid, else requested (a receipt that never took money)."""
    raw = payment.raw_receipt if isinstance(payment.raw_receipt, dict) else {}
    return payment.purchased_at or parse_moment(raw.get("requested_at"))


def on_payment_refused(sender: object = None, *, order: Order, payment: Payment, code: str, **_: Any) -> None:
    """Receiver of `payments.services.common.payment_refused` (under the order's lock): a receipt made
    with a billing key on a period's order that the money core refused (and refunded, or that holds no
    money: failed, or cancelled at Bootpay) is settled in billing once the refusal commits
    (`_charge_refunded`), whichever path brought it (webhook, staff, reconcile, the charge's answer)."""
    if payment.method not in BILLING_CHARGE_METHODS:
        return
    order_pk, payment_pk = order.pk, payment.pk
    transaction.on_commit(lambda: _after_payment_refused(order_pk, payment_pk, code), robust=True)


def _after_payment_refused(order_pk: int, payment_pk: int, code: str) -> None:
    charge = SubscriptionCharge.objects.filter(order_id=order_pk).first()
    if charge is None or charge.state not in OPEN_STATES:
        return
    payment = Payment.objects.get(pk=payment_pk)
    _charge_refunded(
        charge.pk,
        actor=Actor(label="payment"),
        receipt_id=payment.receipt_id,
        code=code,
        its_own=_answers_latest_attempt(charge, payment),
    )


def subscription_charge_open_list() -> Any:
    """Charges sent to Bootpay whose outcome is open (`sending`, `unknown`), whatever their
    subscription's status: what staff settle (docs/billing.md, "Open outcomes"). Oldest first."""
    return (
        SubscriptionCharge.objects.filter(state__in=OPEN_STATES)
        .select_related("subscription", "order")
        .order_by("sent_at", "pk")
    )


def on_period_open_outcomes(
    sender: object = None, *, start: datetime, end: datetime, **_: Any
) -> list[StatementDifference]:
    """Receiver of `payments.services.reconcile.period_open_outcomes`: the period's charges whose
    outcome is open, each a difference of the statement reconciliation."""
    charges = subscription_charge_open_list().filter(sent_at__gte=start, sent_at__lt=end)
    return [
        StatementDifference(
            charge.receipt_id,
            "open_outcome",
            0,
            charge.order.total_amount,
            f"subscription {charge.subscription.subscription_id} period {charge.period} order "
            f"{charge.order.order_id}: charge {charge.state} since {charge.sent_at.isoformat()}",
        )
        for charge in charges
    ]


def subscription_charges_mark_lost(*, now: datetime | None = None, limit: int = 500) -> int:
    """Charges whose sender stopped mid-call (its lease ran out, no answer recorded) become `unknown`,
    whatever their subscription's status: Bootpay may have charged. Returns how many were marked."""
    now = now or timezone.now()
    lost = SubscriptionCharge.objects.filter(state=State.SENDING, sending_until__lt=now)
    marked = 0
    for charge_pk in list(lost.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            subscription, charge = _charge_lock(charge_pk)
            if charge.state == State.SENDING and charge.sending_until and charge.sending_until < now:
                _mark_unknown(
                    subscription, charge, actor=SYSTEM, reason="the sender's lease ran out", stage="lease"
                )
                marked += 1
    return marked
