"""Real Celery worker processes and a Redis server of our own, for the worker tests (and the benchmark)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `condition` until it returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The database this process uses right now (in a test: pytest-django's `test_<name>`)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("worker processes need PostgreSQL (set DATABASE_URL)")
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def spawn_logged(command: list[str], env: dict, log_path: Path, mode: str = "wb") -> subprocess.Popen:
    """`command` from the repository, in a process group of its own (signalled whole, never by the test's
    Ctrl-C), its output in `log_path`."""
    with log_path.open(mode) as log:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


class Worker:
    """`celery -A config worker` in a subprocess, against the given broker and this process's database.

    Without `queues` it consumes every queue (config/celery_queues.py), as the Procfile's worker does;
    with them only those (`-Q`), as one worker group per workload does (docs/scaling.md)."""

    def __init__(
        self,
        name: str,
        *,
        broker_url: str,
        bootpay_api_url: str,
        pool: str,
        concurrency: int,
        queues: tuple[str, ...] = (),
        **env,
    ):
        self.name = name
        self.log_path = Path(tempfile.mkstemp(prefix=f"celery-{name}-", suffix=".log")[1])
        self.env = (
            os.environ
            | {
                "DATABASE_URL": database_url(),
                "REDIS_URL": broker_url,
                "BOOTPAY_MODE": "sandbox",
                "BOOTPAY_API_URL": bootpay_api_url,
                "BOOTPAY_TIMEOUT_S": "2",
                "LOG_LEVEL": "INFO",
            }
            | {key: str(value) for key, value in env.items()}
        )
        self.command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
            f"--pool={pool}", "-c", str(concurrency), "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if queues:
            self.command += ["-Q", ",".join(queues)]
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.process = spawn_logged(self.command, self.env, self.log_path)
        return self

    def wait_ready(self, timeout: float = 30) -> Worker:
        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited ({self.process.returncode}):\n{self.log()}")
            return " ready." in self.log()

        wait_until(ready, timeout=timeout, what=f"worker {self.name} to be ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def succeeded(self, task_name: str) -> int:
        return sum(1 for line in self.log().splitlines() if task_name in line and " succeeded in " in line)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # warm shutdown: finish the running tasks
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def close(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


class RedisServer:
    """A redis-server of our own on a free port, without persistence: stopping it loses its queue."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """This process sends tasks to `broker_url` (not eagerly) for the block."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools() -> None:
        from kombu import pools

        pools.reset()  # closes and forgets kombu's connection and producer pools
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = broker_url, False
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        app.conf.broker_url, app.conf.task_always_eager = saved


def flush_broker(broker_url: str) -> None:
    """Nothing left in the broker's database from an earlier run (the test cache clears it too)."""
    import redis

    redis.Redis.from_url(broker_url).flushdb()


def machine_redis_url() -> str | None:
    return settings.REDIS_URL or None
