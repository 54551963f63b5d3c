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

# --- Retention (payments/events/services/retention.py, docs/scaling.md "Retention") ---------------------
# Events dispatched this long ago whose deliveries and notifications are all final (none a legal notice)
# go, with them. A partner's catch-up cursor (`after=`) older than this is refused: catch up within it.
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=90)
# The HTTP attempt log of final partner webhook deliveries (the delivery keeps its last status).
EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS = env.int("EVENTS_WEBHOOK_ATTEMPT_RETENTION_DAYS", default=30)
# Final notifications (sent, skipped, failed); legal notices are never pruned.
EVENTS_NOTIFICATION_RETENTION_DAYS = env.int("EVENTS_NOTIFICATION_RETENTION_DAYS", default=30)

# Merged into CELERY_BEAT_SCHEDULE by config/settings.py.
EVENTS_CELERY_BEAT_SCHEDULE = {
    "prune-events": {  # batches of PRUNE_BATCH_SIZE (config/retention_conf.py)
        "task": "payments.events.tasks.events_prune_task",
        "schedule": env.float("SCHEDULE_PRUNE_S", default=600.0),
    },
    "dispatch-events": {  # a sweep: each commit that records an event dispatches it at once
        "task": "payments.events.tasks.events_dispatch_task",
        "schedule": env.float("SCHEDULE_EVENTS_DISPATCH_S", default=30.0),
    },
    "report-open-pg-outcomes": {
        "task": "payments.events.tasks.pg_outcomes_report_task",
        "schedule": env.float("SCHEDULE_OPEN_OUTCOMES_S", default=600.0),
    },
    "sweep-notifications": {  # due retries and lost enqueues (docs/events.md, "Notifications")
        "task": "payments.events.tasks.notifications_sweep_task",
        "schedule": env.float("SCHEDULE_NOTIFICATIONS_SWEEP_S", default=60.0),
    },
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
# --- Notifications (docs/events.md, "Notifications") --------------------------------------------------
# The shop's public address: links in notices (a price change's consent page is
# `{SHOP_URL}/subscriptions/{subscription_id}`) and the name that prefixes every subject ("[상점] …").
SHOP_URL = env.str("SHOP_URL", default="http://127.0.0.1:8000").rstrip("/")
SHOP_NAME = env.str("SHOP_NAME", default="상점")

# Django's email framework. Local runs print mail on the console; elsewhere SMTP unless another backend is
# named, e.g. an email service provider through django-anymail (`anymail.backends.amazon_ses.EmailBackend`,
# `anymail.backends.mailgun.EmailBackend`, …) with its credentials in ANYMAIL (JSON).
_local = env.str("DJANGO_ENV", default="local") == "local"
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if _local
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_S", default=10)  # a send never holds a worker longer
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ANYMAIL = env.json("ANYMAIL", default={})

# Channel name → class (payments/events/services/channels.py `Channel`). Env: `name=dotted.path` pairs,
# comma-separated. Email only by default; `make run` adds the sandbox 알림톡 channel, which records
# messages and contacts nobody. A real Kakao 알림톡 / SMS provider is a class implementing `Channel`.
NOTIFICATION_CHANNELS = dict(
    pair.split("=", 1)
    for pair in env.list(
        "NOTIFICATION_CHANNELS", default=["email=payments.events.services.channels.EmailChannel"]
    )
    if "=" in pair
)
# A claimed notification is another worker's for this long (longer than one send can take).
NOTIFICATION_LEASE_S = env.int("NOTIFICATION_LEASE_S", default=300)
# Transient failures (SMTP down, a provider's 5xx) are retried with exponential backoff, then `failed`.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_BACKOFF_S = env.int("NOTIFICATION_RETRY_BACKOFF_S", default=30)
NOTIFICATION_RETRY_BACKOFF_MAX_S = env.int("NOTIFICATION_RETRY_BACKOFF_MAX_S", default=3600)
