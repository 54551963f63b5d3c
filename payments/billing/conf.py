"""Automatic payments' legal-notice settings, read from the environment (config/settings.py imports them;
this module imports nothing of Django's, so settings may load it). docs/billing.md, "Notices the law
requires", says where each number comes from."""

from datetime import timedelta

import environ

env = environ.Env()

# A paid charge that follows a free period (a trial) is announced at least this many days before it is
# taken (여신전문금융업감독규정 / 신용카드가맹점 표준약관: "유료전환 7일 전"). A charge whose notice was
# recorded later is postponed to notice + this many days: never charged on a shorter notice.
BILLING_UPCOMING_NOTICE_DAYS = env.int("BILLING_UPCOMING_NOTICE_DAYS", default=7)
# The notice task looks this far beyond the notice days, so a notice sent on schedule never postpones
# the charge by the task's own interval (ours: a day ahead, i.e. about 8 days before the charge).
BILLING_UPCOMING_NOTICE_LEAD = timedelta(hours=env.int("BILLING_UPCOMING_NOTICE_LEAD_HOURS", default=24))
# A seller's price increase for existing subscribers: the buyer's consent counts only within this many
# days before the increase (전자상거래법 §13⑥ and its decree: 30 days), and the increase may be scheduled
# no sooner than this many days ahead (our choice: every subscriber gets the whole consent window).
BILLING_PRICE_CHANGE_CONSENT_DAYS = env.int("BILLING_PRICE_CHANGE_CONSENT_DAYS", default=30)
BILLING_PRICE_CHANGE_NOTICE_DAYS = env.int("BILLING_PRICE_CHANGE_NOTICE_DAYS", default=30)
# The longest free trial a seller may offer (a guard against typos; our choice).
BILLING_MAX_TRIAL_DAYS = env.int("BILLING_MAX_TRIAL_DAYS", default=90)

# Beat entries of the notice tasks (merged into CELERY_BEAT_SCHEDULE by config/settings.py).
BILLING_NOTICE_BEAT_SCHEDULE = {
    "notify-upcoming-subscription-charges": {
        "task": "payments.billing.tasks.notify_upcoming_charges",
        "schedule": env.float("SCHEDULE_BILLING_UPCOMING_NOTICE_S", default=3600.0),
    },
    "apply-subscription-price-changes": {
        "task": "payments.billing.tasks.apply_price_changes",
        "schedule": env.float("SCHEDULE_BILLING_PRICE_CHANGES_S", default=3600.0),
    },
}

# Renewals (docs/billing.md, "How renewals run"). The ceilings a PG contract sets on a merchant's charges,
# across every worker (in Redis; without REDIS_URL within the one process): how many renewal charges at
# once and how many per second; 0 turns one off. Our defaults sit below what PGs commonly allow a merchant;
# set them to your contract.
BILLING_CHARGE_CONCURRENCY = env.int("BILLING_CHARGE_CONCURRENCY", default=16)
BILLING_CHARGES_PER_SECOND = env.float("BILLING_CHARGES_PER_SECOND", default=40.0)
# The scheduler enqueues one task per due subscription and marks it queued for this long (the task clears
# the mark when it has run; a message lost with the broker is enqueued again once it lapses), and never
# keeps more than this many queued: a backlog does not grow with every beat tick. Keep QUEUE_MAX well
# below what the workers charge within the TTL (at the per-second ceiling: 40/s x 3600 s = 144,000).
BILLING_RENEWAL_QUEUE_MAX = env.int("BILLING_RENEWAL_QUEUE_MAX", default=20_000)
BILLING_RENEWAL_QUEUED_TTL_S = env.int("BILLING_RENEWAL_QUEUED_TTL_S", default=3600)
