"""Settings for `make bench` only: the product's settings plus the benchmark's bare baseline views.

Selected with DJANGO_SETTINGS_MODULE=tests.bench.settings in the benchmark's gunicorn environment; the
bare views (tests/bench/urls.py) are never routed in the product.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

ROOT_URLCONF = "tests.bench.urls"

# Webhook tasks go to a queue of the benchmark's own, deleted at the end (no worker drains it here).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "wtbench")
CELERY_TASK_ROUTES = {"*": {"queue": CELERY_TASK_DEFAULT_QUEUE}}  # every workload's queue is the bench's

# BENCH_CONNECTIONS=new: a new PostgreSQL connection per request. =persistent: the product's own
# persistence (a pool or CONN_MAX_AGE > 0) when it has one, else CONN_MAX_AGE=600 forced for the bench.
_default = DATABASES["default"]
_mode = os.environ.get("BENCH_CONNECTIONS", "persistent")
if _mode == "new":
    _default.get("OPTIONS", {}).pop("pool", None)
    _default["CONN_MAX_AGE"] = 0
elif not _default.get("OPTIONS", {}).get("pool") and not _default.get("CONN_MAX_AGE"):
    _default["CONN_MAX_AGE"] = 600
    _default["CONN_HEALTH_CHECKS"] = True
