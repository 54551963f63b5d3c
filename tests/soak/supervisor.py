"""The soak's processes, as `make serve` runs them, and a supervisor that restarts what dies.

gunicorn (config/gunicorn.conf.py, its own master respawns a killed worker), two Celery workers and beat
(restarted here, as systemd or a container runtime would), a redis-server of the soak's own on its own
port (never the machine's shared one), and the Bootpay emulator (`manage.py bootpay_sandbox`) notifying
gunicorn's webhook URL. The Celery workers reuse tests/workers/harness.py's `Worker`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.workers.harness import RedisServer, Worker, spawn_logged, wait_until


def soak_environment(*, database_url: str, redis_url: str, web_port: int, emulator_port: int) -> dict:
    """The environment of every soak process: production settings (as `make serve`), the emulator as
    Bootpay, a Bootpay timeout the faults can exceed, and beat schedules short enough that sweeps,
    reconcile and renewals run many times during a soak."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "soak-only-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BOOTPAY_MODE": "sandbox",
        "BOOTPAY_API_URL": f"http://127.0.0.1:{emulator_port}/v2",
        "BOOTPAY_TIMEOUT_S": "2",
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": os.environ.get("SOAK_LOG_LEVEL", "WARNING"),
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_TIMEOUT": "30",
        "GUNICORN_MAX_REQUESTS": "0",
        # Nobody is throttled: the soak is one client doing the work of many.
        "THROTTLE_RATE_ANON": "100000/min",
        "THROTTLE_RATE_USER": "100000/min",
        "THROTTLE_RATE_BOOTPAY_WEBHOOK": "100000/min",
        "SCHEDULE_RECONCILE_S": "20",
        "RECONCILE_OLDER_THAN_MINUTES": "1",
        "SCHEDULE_EXPIRE_ORDERS_S": "30",
        "SCHEDULE_BILLING_CHARGE_S": "5",
        "SCHEDULE_WEBHOOK_SWEEP_S": "5",
        "SCHEDULE_OPEN_OUTCOMES_S": "30",
        "SCHEDULE_CASH_RECEIPTS_S": "60",
        "WEBHOOK_SWEEP_GRACE_S": "5",
        "WEBHOOK_SWEEP_FAILED_AFTER_S": "10",
        "WEBHOOK_RETRY_BACKOFF_S": "1",
        # A worker killed mid-round holds its receipt's deliveries this long (default 5 minutes).
        "WEBHOOK_STALE_CLAIM_S": "20",
        "WEBHOOK_RETRY_BACKOFF_MAX_S": "10",
        "BILLING_RENEWAL_QUEUED_TTL_S": "60",
        "BILLING_UNKNOWN_GRACE_MINUTES": "1",
    }


class Process:
    """One command in its own process group, its output in a log file; `kill()` is kill -9 of the group."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name, self.command, self.env = name, command, env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Process:
        self.process = spawn_logged(self.command, self.env, self.log_path, mode="ab")  # restarts append
        self.starts += 1
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


class SoakRedis(RedisServer):
    """harness's RedisServer on a fixed port, restartable (kill -9, then a fresh empty server)."""

    def __init__(self, port: int, log_dir: Path):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None
        self.log_dir = log_dir

    def start(self) -> SoakRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found (the soak runs a Redis of its own)")
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(
            command, cwd=self.log_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")
        return self

    def restart(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.start()


class Supervisor:
    """Starts every process, restarts Celery workers and beat when they die (a fault or a crash), and
    stops everything at the end. `restarts` counts restarts by process name."""

    def __init__(self, *, env: dict, log_dir: Path, web_port: int, emulator_port: int, redis: SoakRedis):
        self.env, self.log_dir, self.redis = env, log_dir, redis
        self.web_url = f"http://127.0.0.1:{web_port}"
        self.emulator_url = f"http://127.0.0.1:{emulator_port}"
        py = sys.executable
        # Multiprocess metrics as docs/operations.md sets them up: a directory per supervising process (the
        # gunicorn master, each Celery worker), all merged by the web's /metrics (checked after the soak).
        metrics = {name: log_dir / "metrics" / name for name in ("web", "worker1", "worker2")}
        self.metrics_env = {name: {"PROMETHEUS_MULTIPROC_DIR": str(path)} for name, path in metrics.items()}
        self.metrics_env["web"]["METRICS_SCRAPE_DIRS"] = ",".join(str(path) for path in metrics.values())
        self.emulator = Process(
            "emulator",
            [py, "manage.py", "bootpay_sandbox", "--host", "127.0.0.1", "--port", str(emulator_port),
             "--webhook-url", f"{self.web_url}/api/v1/webhooks/bootpay/"],
            env, log_dir,
        )  # fmt: skip
        self.web = Process(
            "gunicorn",
            [py, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"],
            env | self.metrics_env["web"],
            log_dir,
        )
        self.workers = [self._worker(f"worker{i}") for i in (1, 2)]
        self.beat_schedule = log_dir / "celerybeat-schedule"
        self.beat = Process(
            "beat",
            [py, "-m", "celery", "-A", "config", "beat", "-l", "info", "-s", str(self.beat_schedule)],
            env, log_dir,
        )  # fmt: skip
        self.restarts: dict[str, int] = {}
        self.fatal: str | None = None  # gunicorn's master or the emulator died: the soak cannot go on
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="soak-supervisor", daemon=True)

    def _worker(self, name: str) -> Process:
        """`celery -A config worker` as harness.Worker builds it (prefork x2, every queue), in our env."""
        harness_worker = Worker(
            name, broker_url=self.redis.url, bootpay_api_url=self.env["BOOTPAY_API_URL"], pool="prefork",
            concurrency=2,
        )  # fmt: skip
        harness_worker.log_path.unlink(missing_ok=True)  # ours is in log_dir
        env = self.env | self.metrics_env[name] | {"LOG_LEVEL": "INFO"}
        return Process(name, harness_worker.command, env, self.log_dir)

    @property
    def supervised(self) -> list[Process]:
        return [*self.workers, self.beat]

    def start(self) -> None:
        self.emulator.start()
        wait_until(lambda: http_ok(f"{self.emulator_url}/_sandbox/health"), timeout=60, what="the emulator")
        self.web.start()
        wait_until(lambda: http_ok(f"{self.web_url}/healthz"), timeout=60, what="gunicorn")
        for process in self.supervised:
            process.start()
        for worker in self.workers:
            wait_until(lambda w=worker: " ready." in w.log_tail(200), timeout=90, what=f"{worker.name} ready")
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for process in self.supervised:
                with self._lock:
                    if not self._stop.is_set() and not process.alive():
                        time.sleep(0.5)  # a supervisor's restart delay
                        process.start()
                        self.restarts[process.name] = self.restarts.get(process.name, 0) + 1
            for process in (self.web, self.emulator):
                if not process.alive() and not self._stop.is_set() and self.fatal is None:
                    self.fatal = f"{process.name} died (nothing restarts it):\n{process.log_tail()}"

    def kill(self, process: Process) -> None:
        """kill -9 (the whole process group: a prefork worker's children too); the watch restarts it."""
        process.kill()

    def web_worker_pids(self) -> list[int]:
        return children(self.web.process.pid) if self.web.alive() else []

    def stop_supervised(self) -> None:
        """Stop everything but the emulator (the checks read it) and Redis: nothing changes any more."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for process in [*self.supervised, self.web]:
            process.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for process in [*self.supervised, self.web, self.emulator]:
            process.stop()
