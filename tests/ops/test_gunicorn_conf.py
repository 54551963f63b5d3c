"""config/gunicorn.conf.py loads in gunicorn, takes its values from the environment, logs like the app."""

import logging.config
import multiprocessing
import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

CONF = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


def load(monkeypatch, **env) -> dict:
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_BIND",
        "PORT",
        "GUNICORN_TIMEOUT",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults(monkeypatch):
    conf = load(monkeypatch)
    assert conf["worker_class"] == "gthread" and conf["threads"] == 4
    assert conf["workers"] == min(2 * multiprocessing.cpu_count() + 1, 8)
    assert conf["bind"] == "0.0.0.0:8000" and conf["graceful_timeout"] == 30 and conf["accesslog"] == "-"


def test_values_from_the_environment(monkeypatch):
    conf = load(
        monkeypatch,
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="8",
        PORT="9001",
        GUNICORN_TIMEOUT="45",
        LOG_FORMAT="json",
    )
    assert (conf["workers"], conf["threads"], conf["bind"], conf["timeout"]) == (3, 8, "0.0.0.0:9001", 45)
    assert conf["logconfig_dict"]["formatters"]["default"]["fmt"] == "json"
    assert load(monkeypatch, GUNICORN_BIND="127.0.0.1:7000")["bind"] == "127.0.0.1:7000"


def test_gunicorn_accepts_every_setting(monkeypatch):
    load(monkeypatch)  # clean environment
    config = Config()
    for name, value in runpy.run_path(str(CONF)).items():
        if name in config.settings:
            config.set(name, value)
    assert (
        config.worker_class_str == "gthread"
        and config.settings["wsgi_app"].get() == "config.wsgi:application"
    )


def test_the_access_log_is_a_json_line_with_the_request_id(monkeypatch, capsys):
    conf = load(monkeypatch, LOG_FORMAT="json")
    logging.config.dictConfig(conf["logconfig_dict"])
    try:
        atoms = {"m": "GET", "U": "/readyz", "s": "200", "B": "12", "M": "3", "h": "10.0.0.1", "a": "lb",
                 "{x-request-id}o": "rid-1"}  # fmt: skip
        logging.getLogger("gunicorn.access").info(conf["access_log_format"], SafeAtoms(atoms))
        line = capsys.readouterr().out.strip()
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
    import json

    record = json.loads(line)
    assert record["message"] == "GET /readyz 200" and record["request_id"] == "rid-1"
    assert (record["status"], record["duration_ms"], record["logger"]) == (200, 3, "gunicorn.access")


PROCESSES = [
    "web: gunicorn config.wsgi -c config/gunicorn.conf.py",
    "worker: celery -A config worker -l info",
    "beat: celery -A config beat -l info",
]


@pytest.mark.parametrize("line", PROCESSES)
def test_the_procfile_lists_the_three_processes(line):
    assert line in (CONF.parents[1] / "Procfile").read_text().splitlines()
