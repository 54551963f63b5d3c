"""A period's charge (`SubscriptionCharge.state`): its states and every move between them, in one table.

    pending ──send──▶ sending ──(Bootpay answers)──▶ paid | declined
       ▲                │
       │                └──no_answer──▶ unknown ──(a receipt, or staff)──▶ paid | declined | pending

- `pending`: not sent yet (or reserved at Bootpay: the subscription's `reserve_id`);
- `sending`: a worker is at Bootpay with it until `sending_until` (its lease);
- `unknown`: sent, no answer: never sent again by itself (docs/billing.md, "Open outcomes");
- `declined`: refused; retried on `BILLING_RETRY_SCHEDULE_HOURS`;
- `paid`: its order is paid (final);
- `cancelled`: given up, its order closed unpaid (final, but for a late payment of its order).

`sending` and `unknown` are the open outcomes (`SubscriptionCharge.OPEN_STATES`): Bootpay may hold the
money, so nothing but a receipt or staff settles them; closing the order or the subscription leaves them.

Who moves a charge, always under its subscription's row lock (lock order: billing key → subscription →
order → payment): the charge service (`services/charge.py`: claim, send, answer), the answers and
refusals (`services/outcomes.py`), the paid period (`services/period.py`), reservations
(`services/reservations.py`), the order's closing and cancelling (`services/cancel.py`, `common.py`'s
`_cancel_in_tx`) and staff (`services/staff.py`). Each of them calls `charge_transition`; a move not in
`TRANSITIONS` is a bug and raises.
"""

from __future__ import annotations

from enum import StrEnum

from payments.billing.models import SubscriptionCharge

State = SubscriptionCharge.State


class ChargeEvent(StrEnum):
    SEND = "send"  # claimed for one call to Bootpay (a charge, or a reservation)
    NO_ANSWER = "no_answer"  # the call did not answer, or its sender's lease ran out
    DECLINED = "declined"  # Bootpay refused it (or ran a reservation that failed)
    KEY_GONE = "key_gone"  # due, but its billing key no longer charges: declined without a call
    PAID = "paid"  # its order is paid, by whatever path
    REFUNDED = "refunded"  # its receipt was refused by the money core and refunded; the order is still open
    RESERVED = "reserved"  # Bootpay accepted the reservation: it charges at the period's date
    RESERVE_REFUSED = "reserve_refused"  # Bootpay refused the reservation: charged directly when due
    GIVEN_UP = "given_up"  # its order was closed unpaid (cancelled subscription, buyer's close)
    STAFF_RETRY = "staff_retry"  # staff charge again (checked at Bootpay: no money taken)


_UNPAID = (State.PENDING, State.SENDING, State.UNKNOWN, State.DECLINED)

# (from state, event) → to state. Every move a charge makes is a row here.
TRANSITIONS: dict[tuple[str, ChargeEvent], str] = {
    (State.PENDING, ChargeEvent.SEND): State.SENDING,
    (State.DECLINED, ChargeEvent.SEND): State.SENDING,
    (State.SENDING, ChargeEvent.NO_ANSWER): State.UNKNOWN,
    (State.SENDING, ChargeEvent.DECLINED): State.DECLINED,
    (State.UNKNOWN, ChargeEvent.DECLINED): State.DECLINED,
    (State.PENDING, ChargeEvent.DECLINED): State.DECLINED,
    (State.PENDING, ChargeEvent.KEY_GONE): State.DECLINED,
    (State.DECLINED, ChargeEvent.KEY_GONE): State.DECLINED,
    **{(state, ChargeEvent.PAID): State.PAID for state in (*_UNPAID, State.CANCELLED)},
    (State.SENDING, ChargeEvent.REFUNDED): State.PENDING,
    (State.UNKNOWN, ChargeEvent.REFUNDED): State.PENDING,
    (State.SENDING, ChargeEvent.RESERVED): State.PENDING,
    (State.UNKNOWN, ChargeEvent.RESERVED): State.PENDING,
    (State.SENDING, ChargeEvent.RESERVE_REFUSED): State.PENDING,
    **{(state, ChargeEvent.GIVEN_UP): State.CANCELLED for state in _UNPAID},
    (State.UNKNOWN, ChargeEvent.STAFF_RETRY): State.PENDING,
    (State.DECLINED, ChargeEvent.STAFF_RETRY): State.PENDING,
    (State.PENDING, ChargeEvent.STAFF_RETRY): State.PENDING,
}


class IllegalChargeTransition(RuntimeError):
    """A move the table does not allow: a bug in the caller's guard, never a business outcome."""


def can_transition(charge: SubscriptionCharge, event: ChargeEvent) -> bool:
    return (charge.state, event) in TRANSITIONS


def charge_transition(charge: SubscriptionCharge, event: ChargeEvent) -> str:
    """Move `charge` (locked by the caller, not saved here) by `event`; returns its previous state."""
    try:
        target = TRANSITIONS[(charge.state, event)]
    except KeyError:
        raise IllegalChargeTransition(f"charge {charge.pk}: {charge.state} --{event}--> ?") from None
    previous, charge.state = charge.state, target
    return previous
