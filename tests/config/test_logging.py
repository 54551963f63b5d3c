"""Each log record is printed once (settings.LOGGING), also with DEBUG on as under `make run`.

Django applies its own default logging before ours; in DEBUG that default gives the ``django`` logger a
console handler of its own while it still propagates to root, which printed every ``django.request``
line twice. The check runs in a fresh interpreter so the settings module is evaluated with DEBUG=1 and
logging is configured exactly as ``django.setup()`` does it, writing to a captured stderr.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import io, logging, sys
captured = io.StringIO()
sys.stderr = captured  # the console handlers are created (and bind sys.stderr) by django.setup()
import django
django.setup()
from django.test import Client
Client().get("/no-such-page-marker/")                         # django.request WARNING "Not Found"
logging.getLogger("django.request").error("request-marker")
logging.getLogger("django.server").info("server-marker")     # runserver's request lines
logging.getLogger("payments.services").warning("app-marker")
logging.getLogger("django.db.backends").info("db-marker")    # below that logger's WARNING level
sys.stderr = sys.__stderr__
sys.stdout.write(captured.getvalue())
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_every_record_reaches_one_handler_once(debug: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": debug, "LOG_LEVEL": "INFO"}
    env.pop("PYTHONWARNINGS", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for marker, level, logger in (
        ("no-such-page-marker", "WARNING", "django.request"),
        ("request-marker", "ERROR", "django.request"),
        ("server-marker", "INFO", "django.server"),
        ("app-marker", "WARNING", "payments.services"),
    ):
        hits = [line for line in lines if marker in line]
        assert len(hits) == 1, (marker, lines)
        # the one root handler's format: "<asctime> LEVEL logger message"
        assert f" {level} {logger} " in hits[0], hits[0]
    assert not any("db-marker" in line for line in lines)


def test_settings_leave_one_handler_on_root_only() -> None:
    from django.conf import settings

    logging_config = settings.LOGGING
    assert logging_config["root"]["handlers"] == ["console"]
    for name, logger in logging_config["loggers"].items():
        assert not logger.get("handlers"), name
        assert logger.get("propagate", True), name
