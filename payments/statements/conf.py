"""The statements capability's settings, read from the environment (config/settings.py imports them; this
module imports nothing of Django's). docs/statements.md, "Rollups"."""

import environ

env = environ.Env()

# Merged into CELERY_BEAT_SCHEDULE by config/settings.py. The fold only moves bookings into their rollups:
# a statement is exact whenever it runs (it reads what is not folded yet), the fold keeps that part small.
STATEMENTS_CELERY_BEAT_SCHEDULE = {
    "fold-statement-rollups": {
        "task": "payments.statements.tasks.statement_rollups_fold_task",
        "schedule": env.float("SCHEDULE_STATEMENT_FOLD_S", default=30.0),
    },
}
