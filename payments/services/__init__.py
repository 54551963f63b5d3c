"""Every money rule, once: verify, confirm, cancel, sync from Bootpay's truth, reconcile.

REST views, GraphQL mutations, webhooks, tasks and management commands all call these functions.
Money state changes only inside `transaction.atomic()` on rows locked with `select_for_update`,
in the fixed order order → payment → cancellation. Network calls to Bootpay happen outside open
transactions: we commit our intent (a `Cancellation` with its `cancel_id`, a failed `Payment`
holding the evidence), call the gateway, then lock again and apply what it answered. Each public
service takes an optional `gateway=` (a `payments.gateway.Gateway`; default: `get_gateway()`).

Modules by capability, each importing only those above it:
- `common`: Actor, Money (payments/money.py), locks, the event log, leases, the gateway seam, receipt helpers;
- `settle`: a cancellation's life at the PG (open, claim, send, settle, book), shared by all below;
- `sync`: `payment_sync_from_receipt`, the one place a receipt changes a payment;
- `verify`: `payment_verify`, `payment_bind_receipt`, `payment_confirm`;
- `cancel`: `payment_cancel`, and what an order abandoned unpaid asks of its payment;
- `reconcile`: `payment_reconcile`, and the hook a statement period's check asks capabilities by
  (`period_open_outcomes`; the check itself, `statement_reconcile`, is payments.statements');
- `escrow`: an escrow payment's shipment registered with Bootpay, what shipping a line asks of its
  payment (`order_item_shipping`), `escrow_registration_retry`;

Automatic payments are a capability built on these (`payments/billing/`, docs/billing.md): it hooks in
through the signals of `common` and `reconcile`, and nothing here imports it.

Dependency direction: payments builds on orders (models, `order_lock`), never the reverse; orders
announces an unpaid order closing (`orders.services.unpaid_order_closing`) and payments answers it.
"""

from payments.services.cancel import (
    payment_cancel,
    payment_release_for_closing_order,
    payment_withdraw_unconfirmed,
)
from payments.services.common import Actor, Money
from payments.services.escrow import escrow_registration_retry
from payments.services.reconcile import payment_reconcile
from payments.services.settle import cancellation_send
from payments.services.sync import payment_sync_from_receipt
from payments.services.verify import payment_bind_receipt, payment_confirm, payment_verify

__all__ = [
    "Actor",
    "Money",
    "cancellation_send",
    "escrow_registration_retry",
    "payment_bind_receipt",
    "payment_cancel",
    "payment_confirm",
    "payment_reconcile",
    "payment_release_for_closing_order",
    "payment_sync_from_receipt",
    "payment_verify",
    "payment_withdraw_unconfirmed",
]
