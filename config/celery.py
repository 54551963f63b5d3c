"""The Celery app: broker Redis (`REDIS_URL`), configured from Django settings (`CELERY_*`).

Worker: `celery -A config worker -l info`; schedules: `celery -A config beat -l info`
(`CELERY_BEAT_SCHEDULE` in settings). Without REDIS_URL every task runs eagerly, in-process.

The request id of whoever enqueues a task travels in the task's headers (`request_id`) and is bound
while the task runs, so a payment's log lines share one id from the web request to the worker.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

from config.observability.multiprocess import multiproc_dir_reset, multiproc_process_dead
from config.request_id import bind_request_id, current_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Where beat keeps its last-run times (default `celerybeat-schedule` in the working directory); the container
# image points it at its one writable directory, as its code directory is read-only to the app user.
app.conf.beat_schedule_filename = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME") or "celerybeat-schedule"
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"
# The bound context of each running task, by task id, to unbind it after the task.
_bound: dict[str, Any] = {}


@signals.before_task_publish.connect
def _publish_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id()
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def _bind_task_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task is None or task_id is None:
        return
    request_id = getattr(task.request, REQUEST_ID_HEADER, None)
    if request_id is None:
        # Eager runs publish nothing: the caller's id is still the current one.
        request_id = current_request_id()
    context = bind_request_id(request_id)
    context.__enter__()
    _bound[task_id] = context


@signals.task_postrun.connect
def _unbind_task_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    context = _bound.pop(task_id, None) if task_id is not None else None
    if context is not None:
        context.__exit__(None, None, None)


# Metrics in multiprocess mode (docs/operations.md, "Metrics"): a worker owns its PROMETHEUS_MULTIPROC_DIR,
# emptied as it starts (before its prefork children fork); each child that exits is marked dead. A child
# writes files of its own pid (prometheus-client notices the fork), so the children's counts add up.
@signals.celeryd_init.connect  # the worker's first signal, before its prefork children start
def _metrics_dir_reset(**kwargs: Any) -> None:
    multiproc_dir_reset()


@signals.worker_process_shutdown.connect
def _metrics_child_dead(pid: int | None = None, **kwargs: Any) -> None:
    multiproc_process_dead(pid or os.getpid())


@signals.celeryd_init.connect
def _report_errors_from_worker(**kwargs: Any) -> None:
    # In the main worker process, before the pool forks: Sentry's Celery integration patches how task
    # tracers are built, which the pool's processes do as they start; they inherit the client.
    from config.observability.sentry import init_sentry

    init_sentry()


@signals.worker_process_init.connect
@signals.beat_init.connect
def _observe_worker(**kwargs: Any) -> None:
    # In each pool process (prefork, solo) after its fork, and in beat: the span processor's export
    # thread must belong to the process that records the spans (docs/operations.md "Traces").
    from config.observability import setup_observability

    setup_observability()
