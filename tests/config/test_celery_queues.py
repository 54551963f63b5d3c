"""Celery queues per workload (config/celery_queues.py): every task lands in a queue that is consumed."""

import shlex

import pytest
from django.conf import settings

from config.celery import app
from config.celery_queues import BILLING_QUEUE, DEFAULT_QUEUE, EVENTS_QUEUE, QUEUES, WEBHOOKS_QUEUE
from tests.workers.harness import REPO


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def _procfile_worker_queues() -> set[str]:
    """The queues the Procfile's `worker` consumes: its `-Q`, or without one every declared queue."""
    lines = (REPO / "Procfile").read_text().splitlines()
    (command,) = [line.split(":", 1)[1] for line in lines if line.startswith("worker:")]
    words = shlex.split(command)
    for flag in ("-Q", "--queues"):
        if flag in words:
            return set(words[words.index(flag) + 1].split(","))
    return {queue.name for queue in app.amqp.queues.values()}


def _our_tasks() -> list[str]:
    app.loader.import_default_modules()  # every app's tasks module, as a worker imports them
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_the_procfile_worker_consumes_the_queue_of_every_registered_task():
    consumed = _procfile_worker_queues()
    tasks = _our_tasks()

    assert len(tasks) >= 15, tasks  # the task modules were found
    assert consumed == set(QUEUES)
    assert {task: _queue_of(task) for task in tasks if _queue_of(task) not in consumed} == {}


def test_every_beat_entry_names_a_registered_task():
    tasks = set(_our_tasks())

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= tasks


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("payments.tasks.process_webhook_delivery", WEBHOOKS_QUEUE),
        ("payments.tasks.charge_due_subscriptions", BILLING_QUEUE),
        ("payments.tasks.settle_subscription_reservations", BILLING_QUEUE),
        ("payments.billing.tasks.notify_upcoming_charges", BILLING_QUEUE),
        # A billing task added later goes to its queue by the folder's glob, without a route of its own.
        ("payments.billing.tasks.charge_subscription_period", BILLING_QUEUE),
        ("payments.events.tasks.events_dispatch_task", EVENTS_QUEUE),
        ("payments.events.tasks.webhook_delivery_send_task", EVENTS_QUEUE),
        ("payments.events.tasks.notification_send_task", EVENTS_QUEUE),
        # Sweeps only find lost work and enqueue it: the default queue.
        ("payments.tasks.sweep_webhook_deliveries", DEFAULT_QUEUE),
        ("payments.events.tasks.webhook_deliveries_sweep_task", DEFAULT_QUEUE),
        ("payments.tasks.reconcile_payments", DEFAULT_QUEUE),
        ("orders.tasks.expire_unpaid_orders", DEFAULT_QUEUE),
    ],
)
def test_each_workload_routes_to_its_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_a_task_sent_by_name_goes_to_its_routed_queue():
    """What `send_task`/`delay` publish carries the route (not only the router's answer)."""
    sent = []
    original = app.amqp.send_task_message

    def capture(producer, name, message, **options):
        sent.append((name, options.get("queue").name if options.get("queue") is not None else None))

    app.amqp.send_task_message = capture
    try:
        app.conf.task_always_eager, eager = False, app.conf.task_always_eager
        app.send_task("payments.tasks.process_webhook_delivery", args=(1,))
        app.send_task("payments.tasks.charge_due_subscriptions")
    finally:
        app.amqp.send_task_message = original
        app.conf.task_always_eager = eager

    assert sent == [
        ("payments.tasks.process_webhook_delivery", WEBHOOKS_QUEUE),
        ("payments.tasks.charge_due_subscriptions", BILLING_QUEUE),
    ]
