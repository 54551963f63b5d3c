"""Multiprocess mode (prometheus-client's): with PROMETHEUS_MULTIPROC_DIR set, every process writes its
metrics to files in that directory and /metrics merges the files, so gunicorn's workers and Celery's
prefork children add up (docs/operations.md, "Metrics").

One directory per supervising process (a gunicorn master, a Celery worker): each wipes its own directory
when it starts (files of a previous run would otherwise count twice as pids are reused) and marks its
children dead as they exit (their live gauges go; their counters stay, as counters must).
"""

from __future__ import annotations

import glob
import os

from prometheus_client import multiprocess


def multiproc_dir() -> str:
    """Where this process writes its metrics; empty outside multiprocess mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def multiproc_dir_reset() -> None:
    """Empty this process group's directory of other processes' files (create it if need be): call once,
    before any child starts. This process's own files stay: a Celery worker has already defined its metrics
    (Django's app loading) when its first signal arrives, and its solo pool counts in them."""
    path = multiproc_dir()
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    own = f"_{os.getpid()}.db"
    for stale in glob.glob(os.path.join(path, "*.db")):
        if not stale.endswith(own):
            os.remove(stale)


def multiproc_process_dead(pid: int) -> None:
    """A child exited: drop its live gauges' files (prometheus-client's mark_process_dead)."""
    if multiproc_dir():
        multiprocess.mark_process_dead(pid)


class MultiDirectoryCollector:
    """prometheus-client's MultiProcessCollector over several directories (the web's, the workers'), merged
    as one: a counter in two directories is summed, like one in two files of the same directory."""

    def __init__(self, directories: list[str]):
        self._directories = directories

    def collect(self):
        files = [path for folder in self._directories for path in glob.glob(os.path.join(folder, "*.db"))]
        return multiprocess.MultiProcessCollector.merge(files, accumulate=True)
