"""The charge's state table (payments/billing/states.py): the moves it allows, and a refused one."""

import pytest

from payments.billing.models import SubscriptionCharge
from payments.billing.states import TRANSITIONS, ChargeEvent, IllegalChargeTransition, charge_transition

State = SubscriptionCharge.State


def test_a_charge_is_sent_only_from_pending_or_declined_and_paid_is_final():
    senders = {state for (state, event) in TRANSITIONS if event == ChargeEvent.SEND}
    assert senders == {State.PENDING, State.DECLINED}
    assert not any(state == State.PAID for (state, _) in TRANSITIONS)


def test_a_move_the_table_does_not_allow_raises_and_changes_nothing():
    charge = SubscriptionCharge(state=State.PAID)
    with pytest.raises(IllegalChargeTransition):
        charge_transition(charge, ChargeEvent.SEND)
    assert charge.state == State.PAID
    charge.state = State.SENDING
    assert charge_transition(charge, ChargeEvent.NO_ANSWER) == State.SENDING
    assert charge.state == State.UNKNOWN
