"""The soak's fault injector: at random intervals, one fault of a random kind.

kill -9 of a gunicorn worker (its master forks a new one), of a Celery worker or beat (the supervisor
restarts them), a restart of the soak's own Redis (its queue is lost: sweeps must find what it held),
termination of the PostgreSQL backends of the soak's database (never another database's), and emulator
faults through its control API (`/_sandbox/faults`): latency past BOOTPAY_TIMEOUT_S, lost answers
(applied, never answered), 5xx.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter

import psycopg
import requests

from tests.soak.supervisor import Supervisor

# Paths of the Bootpay calls we make (a fault applies to the calls whose path starts with it).
EMULATOR_PATHS = ("receipt", "cancel", "subscribe/payment", "escrow", "request/token", "")


class FaultInjector:
    def __init__(
        self, supervisor: Supervisor, *, database_url: str, timeout_s: float, interval: tuple[float, float]
    ):
        self.supervisor = supervisor
        self.database_url = database_url
        self.database = database_url.rsplit("/", 1)[1].split("?")[0]
        self.latency_s = timeout_s + 1.5
        self.interval = interval
        self.injected: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.timeline: list[tuple[str, str]] = []  # (UTC time, kind): to line a finding up with the logs
        self.kinds = {
            "kill -9 gunicorn worker": (self.kill_web_worker, 3),
            "kill -9 celery worker": (self.kill_celery_worker, 3),
            "kill -9 beat": (self.kill_beat, 1),
            "restart redis": (self.restart_redis, 1),
            "terminate postgres backends": (self.terminate_backends, 2),
            "emulator latency > timeout": (self.emulator_latency, 2),
            "emulator lost answer": (self.emulator_lost_answer, 3),
            "emulator 5xx": (self.emulator_5xx, 2),
        }

    def run(self, stop: threading.Event, seed: int) -> threading.Thread:
        def loop() -> None:
            # A shuffled deck, each kind as many cards as its weight: even a short soak injects every kind.
            rng = random.Random(seed)
            deck: list[str] = []
            while not stop.wait(rng.uniform(*self.interval)):
                if not deck:
                    deck = [name for name, (_, weight) in self.kinds.items() for _ in range(weight)]
                    rng.shuffle(deck)
                name = deck.pop()
                try:
                    self.kinds[name][0](rng)
                except Exception:  # counted: a fault we could not inject is not a fault injected
                    self.failed[name] += 1
                else:
                    self.injected[name] += 1
                    self.timeline.append((time.strftime("%H:%M:%S", time.gmtime()), name))

        thread = threading.Thread(target=loop, name="soak-faults", daemon=True)
        thread.start()
        return thread

    # --- processes ---------------------------------------------------------------------------------

    def kill_web_worker(self, rng: random.Random) -> None:
        pids = self.supervisor.web_worker_pids()
        if not pids:
            raise RuntimeError("no gunicorn worker to kill")
        os.kill(rng.choice(pids), signal.SIGKILL)

    def kill_celery_worker(self, rng: random.Random) -> None:
        self.supervisor.kill(rng.choice(self.supervisor.workers))

    def kill_beat(self, rng: random.Random) -> None:
        self.supervisor.kill(self.supervisor.beat)

    def restart_redis(self, rng: random.Random) -> None:
        self.supervisor.redis.restart()

    def terminate_backends(self, rng: random.Random) -> None:
        """Every backend of the soak's database but this one: a database restart, as the clients see it."""
        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            )

    # --- the emulator ------------------------------------------------------------------------------

    def _fault(self, **body) -> None:
        answer = requests.post(f"{self.supervisor.emulator_url}/_sandbox/faults", json=body, timeout=5)
        answer.raise_for_status()

    def emulator_latency(self, rng: random.Random) -> None:
        self._fault(
            path=rng.choice(EMULATOR_PATHS), mode="latency", latency_s=self.latency_s, times=rng.randint(1, 4)
        )

    def emulator_lost_answer(self, rng: random.Random) -> None:
        self._fault(path=rng.choice(EMULATOR_PATHS), mode="lost_answer", times=rng.randint(1, 3))

    def emulator_5xx(self, rng: random.Random) -> None:
        self._fault(path=rng.choice(EMULATOR_PATHS), mode="status_500", times=rng.randint(1, 4))

    def clear(self) -> None:
        requests.delete(f"{self.supervisor.emulator_url}/_sandbox/faults", timeout=5).raise_for_status()
