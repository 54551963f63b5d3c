"""Settings every pruning task shares (config/retention.py; docs/scaling.md "Retention"). Each capability
keeps its own retention periods in its conf.py. No Django import: config/settings.py loads this module."""

import environ

env = environ.Env()

# At most PRUNE_BATCH_SIZE rows per transaction and PRUNE_MAX_BATCHES transactions per run: no long lock,
# no long task; the next scheduled run (SCHEDULE_PRUNE_S) goes on.
PRUNE_BATCH_SIZE = env.int("PRUNE_BATCH_SIZE", default=1000)
PRUNE_MAX_BATCHES = env.int("PRUNE_MAX_BATCHES", default=50)
