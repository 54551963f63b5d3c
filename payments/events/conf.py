"""The events capability's settings, read from the environment (config/settings.py imports them; this
module imports nothing of Django's, so settings may load it). docs/events.md lists them."""

import environ

env = environ.Env()

# A PG call still unanswered this long after it was sent becomes `pg_outcome.open` (staff must look):
# past the sweeps' own retries (reconcile every 5 minutes, billing's, cash receipts').
EVENTS_OPEN_OUTCOME_GRACE_S = env.int("EVENTS_OPEN_OUTCOME_GRACE_S", default=3600)
