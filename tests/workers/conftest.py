"""Fixtures of the real-worker tests: Celery worker subprocesses and the machine's Redis as broker."""

import pytest

from tests.workers.harness import Worker, flush_broker, machine_redis_url, publishing_to


@pytest.fixture
def workers(bootpay):
    """`workers(name, broker_url, pool=…, concurrency=…, queues=…)` starts one; all stop after the test."""
    started: list[Worker] = []

    def start(
        name: str,
        broker_url: str,
        *,
        pool: str = "threads",
        concurrency: int = 2,
        queues: tuple[str, ...] = (),
        **env,
    ) -> Worker:
        worker = Worker(
            name,
            broker_url=broker_url,
            bootpay_api_url=bootpay.api_url,
            pool=pool,
            concurrency=concurrency,
            queues=queues,
            **env,
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()
        # pytest shows a test's captured output only when it failed: the workers' side of the story.
        print(f"--- worker {worker.name} log ---\n{worker.log()}")
        worker.close()


@pytest.fixture
def broker():
    url = machine_redis_url()
    flush_broker(url)
    with publishing_to(url):
        yield url
    flush_broker(url)
