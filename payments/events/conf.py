"""The events capability's settings, read from the environment (config/settings.py imports them; this
module imports nothing of Django's, so settings may load it). docs/events.md lists them."""

import environ

env = environ.Env()

# A PG call still unanswered this long after it was sent becomes `pg_outcome.open` (staff must look):
# past the sweeps' own retries (reconcile every 5 minutes, billing's, cash receipts').
EVENTS_OPEN_OUTCOME_GRACE_S = env.int("EVENTS_OPEN_OUTCOME_GRACE_S", default=3600)

# --- Partner webhooks (docs/events.md "Partner webhooks") ---------------------------------------------
# Seconds to wait before each attempt of a delivery: the first is sent at once, then after each failure the
# next delay (Standard Webhooks / Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). After the last attempt
# fails the delivery is dead (`failed`); replay sends it again.
EVENTS_WEBHOOK_RETRY_SCHEDULE_S = env.list(
    "EVENTS_WEBHOOK_RETRY_SCHEDULE_S", cast=int, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000]
)
EVENTS_WEBHOOK_TIMEOUT_S = env.float("EVENTS_WEBHOOK_TIMEOUT_S", default=10.0)  # one attempt, connect+read
# A sender holds a delivery this long; past it the sender is taken for dead and the sweep sends again.
EVENTS_WEBHOOK_LEASE_S = env.int("EVENTS_WEBHOOK_LEASE_S", default=120)
# The previous secret keeps signing (beside the new one) this long after a rotation.
EVENTS_WEBHOOK_SECRET_ROTATION_WINDOW_S = env.int("EVENTS_WEBHOOK_SECRET_ROTATION_WINDOW_S", default=86400)
# An endpoint whose every attempt failed for this long, and at least this many times, is disabled (staff
# are told by mail_admins and an error log line).
EVENTS_WEBHOOK_DISABLE_AFTER_S = env.int("EVENTS_WEBHOOK_DISABLE_AFTER_S", default=5 * 86400)
EVENTS_WEBHOOK_DISABLE_AFTER_FAILURES = env.int("EVENTS_WEBHOOK_DISABLE_AFTER_FAILURES", default=15)
# Endpoints per owner (a seller, or staff together): bounds the fan-out of one event.
EVENTS_WEBHOOK_MAX_ENDPOINTS_PER_OWNER = env.int("EVENTS_WEBHOOK_MAX_ENDPOINTS_PER_OWNER", default=10)

# Merged into CELERY_BEAT_SCHEDULE by config/settings.py.
EVENTS_CELERY_BEAT_SCHEDULE = {
    # Sends due retries and takes over deliveries whose sender died: no retry depends on the broker.
    "sweep-partner-webhook-deliveries": {
        "task": "payments.events.tasks.webhook_deliveries_sweep_task",
        "schedule": env.float("SCHEDULE_EVENTS_WEBHOOK_SWEEP_S", default=10.0),
    },
}

# Merged into SPECTACULAR_SETTINGS by config/settings.py: the partner webhook catalogue (`x-webhooks` and
# the `<Type>Event` schemas, payments/events/api/schema.py) after drf-spectacular's own enum hook.
EVENTS_SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "payments.events.api.schema.webhooks_postprocess",
    ],
}
