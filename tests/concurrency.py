"""Run calls on threads released at the same instant, for the race tests (PostgreSQL only)."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from config.errors import DomainError


def run_at_once(*calls: Callable[[], Any], timeout: float = 60) -> tuple[list[Any], list[str]]:
    """Start every call on its own thread behind a barrier; return (results, DomainError codes).

    Any other exception fails the test here (an exception inside a thread would not, by itself).
    Each thread closes its own database connection, or the test database teardown would stall.
    """
    start = threading.Barrier(len(calls))
    results, refusals, crashes = [], [], []

    def run(call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results.append(call())
        except DomainError as exc:
            refusals.append(exc.code)
        except Exception as exc:
            crashes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running: deadlock?"
    assert crashes == []
    return results, refusals
