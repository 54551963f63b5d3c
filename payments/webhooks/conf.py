"""The webhooks capability's retention settings, read from the environment (config/settings.py imports
them; this module imports nothing of Django's). docs/scaling.md "Retention" explains them."""

import environ

env = environ.Env()

# Done Bootpay deliveries (processed, invalid) are kept this long after receipt as evidence of what Bootpay
# said; waiting, failed and unmatched ones are never pruned.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=90)

# Merged into CELERY_BEAT_SCHEDULE by config/settings.py.
WEBHOOKS_CELERY_BEAT_SCHEDULE = {
    "prune-webhook-deliveries": {
        "task": "payments.webhooks.tasks.prune_webhook_deliveries",
        "schedule": env.float("SCHEDULE_PRUNE_S", default=600.0),
    },
}
