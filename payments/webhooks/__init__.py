"""Bootpay's webhooks, a capability built on the payment core (docs/architecture.md, "Webhooks"):
receive and process (`services`), the Celery tasks (`tasks`), the REST endpoint (`api/`), the staff
"reprocess" action (`admin`) and `manage.py process_webhooks`.

A small Django app (label `webhooks`) so that its command, admin and tasks are found. It has no models:
the raw delivery log, `WebhookDelivery`, stays a model of the core (payments/models.py, table
`payments_webhookdelivery`). The core never imports this package.

The public names below are read lazily: Django imports this package while it loads the apps, before
any model can be imported.
"""

from __future__ import annotations

from config.lazy_exports import lazy_exports

_EXPORTS = {
    "webhook_dispatch": "payments.webhooks.services",
    "webhook_process": "payments.webhooks.services",
    "webhook_receive": "payments.webhooks.services",
    "webhook_source_allowed": "payments.webhooks.services",
    "webhooks_process_pending": "payments.webhooks.services",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
