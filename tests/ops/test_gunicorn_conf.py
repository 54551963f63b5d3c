"""config/gunicorn.conf.py loads in gunicorn, takes its values from the environment, logs like the app."""

import http.client
import json
import logging.config
import multiprocessing
import os
import runpy
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms
from gunicorn.http.message import MAX_REQUEST_LINE

CONF = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


def load(monkeypatch, **env) -> dict:
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_BIND",
        "PORT",
        "GUNICORN_TIMEOUT",
        "GUNICORN_REUSE_PORT",
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
    assert conf["reuse_port"] is False  # a worker's exit would reset the connections queued on its socket


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
    assert load(monkeypatch, GUNICORN_REUSE_PORT="1")["reuse_port"] is True


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


# --- The request-line limit: over-long query strings reach the application's 414 -------------------------


def test_the_request_line_limit_is_gunicorns_maximum_and_far_above_the_applications(monkeypatch):
    limit = load(monkeypatch)["limit_request_line"]
    # `GET <path>?<query> HTTP/1.1`: the longest method we route, a path with a 100-character id, the
    # longest query string the application answers itself.
    longest = len("DELETE ") + len("/api/v1/subscriptions/") + 100 + 1 + len("/cancel/")
    longest += 1 + settings.QUERY_STRING_MAX_BYTES + len(" HTTP/1.1")

    assert limit == MAX_REQUEST_LINE == 8190  # 0 would be unlimited
    assert longest * 3 <= limit  # every query string up to three times the application's limit reaches it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_server():
    """The web process as the Procfile starts it (one worker), on a free local port; started once."""
    port = _free_port()
    env = {**os.environ, "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1", "LOG_FORMAT": "plain"}
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(CONF)],
            cwd=CONF.parents[1],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def _get(port: int, target: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", target, headers={"Host": "localhost", "Accept-Language": "en"})
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def test_behind_gunicorn_an_over_long_query_string_gets_the_envelope(gunicorn_server):
    # Longer than gunicorn's default limit (4,094), which answered this with its own plain 414.
    query = "pad=" + "a" * 5_000
    status, content_type, body = _get(gunicorn_server, f"/api/v1/products/?{query}")

    assert (status, content_type) == (414, "application/json")
    assert json.loads(body) == {
        "code": "query_too_long",
        "message": "The query string is too long.",
        "details": {"max_bytes": settings.QUERY_STRING_MAX_BYTES},
    }


def test_behind_gunicorn_only_a_line_over_8190_bytes_gets_gunicorns_own_414(gunicorn_server):
    path = "/api/v1/products/?pad="
    line_overhead = len("GET ") + len(path) + len(" HTTP/1.1")

    at_limit = _get(gunicorn_server, path + "a" * (8190 - line_overhead))
    over = _get(gunicorn_server, path + "a" * (8191 - line_overhead))

    assert at_limit[:2] == (414, "application/json")  # still the application's answer
    assert over[0] == 414 and b"query_too_long" not in over[2]  # gunicorn's, documented in docs/api.md
