"""The webhooks capability's settings (retries, the sweep, retention), read from the environment
(config/settings.py imports them; this module imports nothing of Django's). docs/scaling.md "Retention"
explains retention."""

import environ

env = environ.Env()

# Retries of one webhook delivery whose receipt lookup found Bootpay unavailable: exponential backoff
# from WEBHOOK_RETRY_BACKOFF_S (with jitter), at most WEBHOOK_RETRY_BACKOFF_MAX_S apart.
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=6)
WEBHOOK_RETRY_BACKOFF_S = env.int("WEBHOOK_RETRY_BACKOFF_S", default=5)
WEBHOOK_RETRY_BACKOFF_MAX_S = env.int("WEBHOOK_RETRY_BACKOFF_MAX_S", default=600)
# The sweep leaves deliveries this young to their own task; it retries failed ones this long after the
# last attempt, for at most WEBHOOK_SWEEP_MAX_ATTEMPTS attempts (then `process_webhooks --failed`).
WEBHOOK_SWEEP_GRACE_S = env.int("WEBHOOK_SWEEP_GRACE_S", default=20)
WEBHOOK_SWEEP_FAILED_AFTER_S = env.int("WEBHOOK_SWEEP_FAILED_AFTER_S", default=300)
WEBHOOK_SWEEP_MAX_ATTEMPTS = env.int("WEBHOOK_SWEEP_MAX_ATTEMPTS", default=10)
# A receipt's deliveries claimed this long ago by a worker that never released them (killed, or its
# database connection cut mid-round) are taken again by the next task or sweep. Keep it well above a
# round (one Bootpay lookup, at most BOOTPAY_TIMEOUT_S, plus one sync).
WEBHOOK_STALE_CLAIM_S = env.int("WEBHOOK_STALE_CLAIM_S", default=300)
# Done Bootpay deliveries (processed, invalid) are kept this long after receipt as evidence of what Bootpay
# said; waiting, failed and unmatched ones are never pruned.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=90)

# Merged into CELERY_BEAT_SCHEDULE by config/settings.py.
WEBHOOKS_CELERY_BEAT_SCHEDULE = {
    "sweep-webhook-deliveries": {
        "task": "payments.tasks.sweep_webhook_deliveries",
        "schedule": env.float("SCHEDULE_WEBHOOK_SWEEP_S", default=30.0),
    },
    "prune-webhook-deliveries": {
        "task": "payments.webhooks.tasks.prune_webhook_deliveries",
        "schedule": env.float("SCHEDULE_PRUNE_S", default=600.0),
    },
}
