"""Automatic payments' services (docs/billing.md): every billing rule, once; REST, GraphQL, the admin, the
tasks and the commands only call these.

The money core's conventions hold here too:
- Lock order: billing key → subscription → order → payment (the core's order → payment below it).
  A period's charge row changes only under its subscription's lock, and only through
  `payments.billing.states.charge_transition` (the states and moves: `payments/billing/states.py`).
- No network call inside a transaction: the intent is committed first (the charge in `sending` with a
  lease, `attempt_lease()`), then Bootpay is called, then the rows are locked again and the answer
  applied. A sender that dies mid-call leaves a lease that runs out: that charge's outcome is unknown.
- Every change of a subscription appends a `SubscriptionEvent`.
- A period is an ordinary order (`orders.services.order_create_for_subscription`), booked through
  `payment_bind_receipt`, so its payment, events, webhooks, admin and refunds are the normal ones.

Modules, each importing only those above it (`period` reaches `reservations` inside one function):
`common` → `notices` → `keys` → `outcomes` → `period` → `charge` → `subscribe` → `reservations` → `cancel`
→ `price_changes` → `staff` → `ceilings` → `schedule`. The notices the law requires (a paid charge after a
trial announced 7 days ahead; a price increase only with consent): `notices` (what they mean for a
charge) and `price_changes` (the consent, the seller's change, the beat's sweeps).
"""

from payments.billing.services.cancel import (
    on_unpaid_order_closing,
    subscription_cancel,
    subscription_period_order_closed,
)
from payments.billing.services.charge import (
    ChargeAttempt,
    subscription_charge_attempt,
    subscription_charge_period,
)
from payments.billing.services.common import add_interval, period_order_id
from payments.billing.services.keys import billing_key_register, billing_key_remove, billing_key_request_start
from payments.billing.services.outcomes import (
    on_payment_refused,
    on_period_open_outcomes,
    subscription_charge_open_list,
    subscription_charges_mark_lost,
)
from payments.billing.services.period import on_order_paid, subscription_order_paid
from payments.billing.services.price_changes import (
    subscription_price_change_consent,
    subscription_price_change_create,
    subscriptions_apply_price_changes,
    subscriptions_notify_upcoming,
)
from payments.billing.services.reservations import subscription_reservation_settle
from payments.billing.services.schedule import (
    subscription_renew,
    subscriptions_charge_due,
    subscriptions_enqueue_due,
    subscriptions_settle_reservations,
)
from payments.billing.services.staff import subscription_charge_book_receipt, subscription_charge_retry
from payments.billing.services.subscribe import subscription_create

__all__ = [
    "ChargeAttempt",
    "add_interval",
    "billing_key_register",
    "billing_key_remove",
    "billing_key_request_start",
    "on_order_paid",
    "on_payment_refused",
    "on_period_open_outcomes",
    "on_unpaid_order_closing",
    "period_order_id",
    "subscription_cancel",
    "subscription_charge_book_receipt",
    "subscription_charge_attempt",
    "subscription_charge_open_list",
    "subscription_charge_period",
    "subscription_charge_retry",
    "subscription_charges_mark_lost",
    "subscription_create",
    "subscription_order_paid",
    "subscription_price_change_consent",
    "subscription_price_change_create",
    "subscriptions_apply_price_changes",
    "subscriptions_notify_upcoming",
    "subscription_period_order_closed",
    "subscription_renew",
    "subscription_reservation_settle",
    "subscriptions_charge_due",
    "subscriptions_enqueue_due",
    "subscriptions_settle_reservations",
]
