"""Celery queues per workload (config/settings.py imports this module last; docs/scaling.md "Celery queues").

One queue per kind of work, so a burst of one kind waits behind itself only: a renewal run that enqueues a
charge per due subscription fills `billing`, and Bootpay's webhooks (`webhooks`) are still taken at once.

- `webhooks`: processing of Bootpay's webhook deliveries (each re-fetches a receipt and books it).
- `billing`: automatic payments (renewal charges, reservations, their notices).
- `events`: the outbox's dispatch, partner webhook deliveries and notifications.
- `celery` (the default): sweeps, reconcile, expiry, pruning, cash receipts: anything not routed.

The Procfile's single `worker` names no `-Q`, so it consumes every queue of CELERY_TASK_QUEUES (`make serve`
needs nothing more); a larger deployment runs one worker group per queue (`-Q webhooks`, …).
Routes go by task name (globs allowed), so a task added to a routed folder lands in its queue by itself.
"""

from kombu import Queue

DEFAULT_QUEUE = "celery"  # Celery's own default name: messages queued before the routes still run
WEBHOOKS_QUEUE = "webhooks"
BILLING_QUEUE = "billing"
EVENTS_QUEUE = "events"
QUEUES = (DEFAULT_QUEUE, WEBHOOKS_QUEUE, BILLING_QUEUE, EVENTS_QUEUE)

CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
# A worker started without `-Q` consumes all of these.
CELERY_TASK_QUEUES = tuple(Queue(name, routing_key=name) for name in QUEUES)
# First match wins (Celery reads the mapping in order). Sweeps stay on the default queue: they only find
# lost work and enqueue it to the queues below.
CELERY_TASK_ROUTES = {
    "payments.tasks.process_webhook_delivery": {"queue": WEBHOOKS_QUEUE},
    "payments.webhooks.tasks.dispatch_webhook_deliveries": {"queue": WEBHOOKS_QUEUE},
    # Registered under their pre-folder names; the billing capability's own tasks by its module path.
    "payments.tasks.charge_due_subscriptions": {"queue": BILLING_QUEUE},
    "payments.tasks.settle_subscription_reservations": {"queue": BILLING_QUEUE},
    "payments.billing.tasks.*": {"queue": BILLING_QUEUE},
    "payments.events.tasks.events_dispatch_task": {"queue": EVENTS_QUEUE},
    "payments.events.tasks.webhook_delivery_send_task": {"queue": EVENTS_QUEUE},
    "payments.events.tasks.notification_send_task": {"queue": EVENTS_QUEUE},
}
