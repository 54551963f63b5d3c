"""The Dockerfile and compose.yaml agree with the Procfile, the settings and the URLs (docs/operations.md,
"The container"). No image is built here: `make container-check` builds and runs one."""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography.fernet import Fernet
from django.urls import resolve
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
APP_BUILD_CONTEXT = "."
# Read by the interpreter, pip and the venv, not by our settings: the Dockerfile may set them.
INTERPRETER_ENV = {
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "VIRTUAL_ENV",
    "PATH",
}


# --- Parsing ------------------------------------------------------------------------------------------
def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {
        name.strip(): shlex.split(command)
        for name, command in (line.split(":", 1) for line in lines if line.strip() and ":" in line)
    }


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; comments dropped, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def build_arg_defaults() -> dict[str, str]:
    defaults = {}
    for keyword, arguments in dockerfile():
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            defaults[name] = value
    return defaults


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def app_services() -> dict[str, dict]:
    """The services that run our image (built from this directory)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if (service.get("build") or {}).get("context") == APP_BUILD_CONTEXT
    }


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<word>[^}]*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} against `environ`."""

    def substitute(match: re.Match) -> str:
        name, op, word = match["name"], match["op"], match["word"]
        if environ.get(name):
            return environ[name]
        if op and op.endswith("?"):
            raise KeyError(f"compose.yaml requires {name}")
        return word or ""

    return _VARIABLE.sub(substitute, str(value))


def service_environment(service: dict, environ: dict[str, str]) -> dict[str, str]:
    return {name: interpolate(value, environ) for name, value in (service.get("environment") or {}).items()}


REQUIRED = {
    "SECRET_KEY": "test-only-compose-secret-key",
    "BILLING_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "POSTGRES_PASSWORD": "test-only-password",
}


def healthcheck_url_path(test: list[str] | str) -> str:
    text = " ".join(test) if isinstance(test, list) else test
    match = re.search(r"https?://[^'\"\s]+", text)
    assert match, f"no URL in healthcheck {text!r}"
    return urlsplit(match[0].replace("%s", "8000")).path


# --- The Procfile's processes ------------------------------------------------------------------------
def test_each_procfile_process_is_a_compose_service_running_the_same_command():
    services = app_services()
    for name, command in procfile().items():
        assert name in services, f"Procfile's {name} has no compose service built from the Dockerfile"
        assert command_of(services[name]) == command, name


def test_the_image_runs_the_procfile_web_line_by_default():
    commands = [arguments for keyword, arguments in final_stage() if keyword == "CMD"]
    assert commands, "the final stage has no CMD"
    assert json.loads(commands[-1]) == procfile()["web"]


# --- Health checks and URLs ------------------------------------------------------------------------
def test_the_image_healthcheck_probes_healthz_on_port():
    checks = [arguments for keyword, arguments in final_stage() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    path = healthcheck_url_path(checks[0])
    assert resolve(path).url_name == "health"
    assert "PORT" in checks[0], "the healthcheck must follow PORT, as gunicorn does"
    port_env = [arguments for keyword, arguments in final_stage() if keyword == "ENV" and "PORT" in arguments]
    assert port_env and re.search(r"\bPORT=8000\b", port_env[-1]), "the image sets PORT (gunicorn's default)"


def test_compose_healthchecks_probe_routed_paths():
    services = compose()["services"]
    web_path = healthcheck_url_path(services["web"]["healthcheck"]["test"])
    assert resolve(web_path).url_name in {"health", "ready"}
    sandbox_path = healthcheck_url_path(services["sandbox"]["healthcheck"]["test"])
    assert sandbox_path == "/_sandbox/health"


def test_services_waited_for_as_healthy_have_a_healthcheck():
    services = compose()["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                check = services[dependency].get("healthcheck") or {}
                assert check.get("test") and not check.get("disable"), f"{dependency} has no healthcheck"


def test_processes_start_after_the_migrations_and_their_backing_services():
    services = compose()["services"]
    assert command_of(services["migrate"])[-3:] == ["manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in procfile():
        dependencies = services[name]["depends_on"]
        assert dependencies["migrate"] == {"condition": "service_completed_successfully"}, name
        assert dependencies["redis"] == {"condition": "service_healthy"}, name


# --- Settings ------------------------------------------------------------------------------------------
_RECORD_ENV_READS = """
import json, os, runpy, sys

ROOT = os.getcwd() + os.sep
# Lookups made on our behalf: os.environ's own methods, collections' Mapping methods, django-environ.
THROUGH = (os.__file__, "_collections_abc", os.sep + "environ" + os.sep)


def called_from_our_code():
    frame = sys._getframe(2)
    while frame and any(part in frame.f_code.co_filename for part in THROUGH):
        frame = frame.f_back
    # A copy of the whole environment (dict(os.environ), a subprocess's env) reads every name: not ours.
    name = frame.f_code.co_filename if frame else ""
    return name.startswith(ROOT) and os.sep + ".venv" + os.sep not in name


class Recording(type(os.environ)):
    read = set()

    def __getitem__(self, key):
        if isinstance(key, str) and called_from_our_code():
            self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        if isinstance(key, str) and called_from_our_code():
            self.read.add(key)
        return super().__contains__(key)


env = os.environ
os.environ = Recording(env._data, env.encodekey, env.decodekey, env.encodevalue, env.decodevalue)

import django

django.setup()
import config.celery  # noqa: E402  (worker and beat)

runpy.run_path(os.path.join(ROOT, "config", "gunicorn.conf.py"))  # web
print(json.dumps(sorted(Recording.read)))
"""


# The image's state directory (the Dockerfile's /var/lib/marketplace) stands in as a scratch directory here:
# the metrics' multiprocess directories must exist when the settings load.
IMAGE_STATE_DIR = "/var/lib/marketplace"
_SCRATCH_STATE_DIR = tempfile.mkdtemp(prefix="image-state-")


def environment_names_read(environment: dict[str, str]) -> set[str]:
    local = {name: value.replace(IMAGE_STATE_DIR, _SCRATCH_STATE_DIR) for name, value in environment.items()}
    for name in ("PROMETHEUS_MULTIPROC_DIR", "METRICS_SCRAPE_DIRS"):
        for directory in filter(None, local.get(name, "").split(",")):
            os.makedirs(directory, exist_ok=True)
    return set(_names_read(tuple(sorted(local.items()))))


@functools.cache
def _names_read(environment: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """Every environment variable name our code (the settings, the conf modules, the Celery app, gunicorn's
    config) looks up when loaded with `environment`: recorded, not grepped, so a name built at run time
    counts and a name read only in another mode does not."""
    result = subprocess.run(
        [sys.executable, "-c", _RECORD_ENV_READS],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", **dict(environment)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return frozenset(json.loads(result.stdout.strip().splitlines()[-1]))


def test_compose_sets_only_environment_the_settings_read():
    environment: dict[str, str] = {}
    for service in app_services().values():
        environment |= service_environment(service, REQUIRED)
    unread = set(environment) - environment_names_read(environment)
    assert not unread, f"compose.yaml sets variables nothing reads: {sorted(unread)}"


def test_the_image_sets_only_environment_something_reads():
    names = set()
    for keyword, arguments in final_stage():
        if keyword == "ENV":
            names |= set(re.findall(r"(\w+)=", arguments))
    read = environment_names_read(service_environment(app_services()["web"], REQUIRED))
    unread = names - read - INTERPRETER_ENV
    assert not unread, f"the Dockerfile sets variables nothing reads: {sorted(unread)}"


def test_the_recorder_sees_a_variable_the_settings_read_only_in_production():
    # SESSION_COOKIE_SECURE is read outside local only: the compose run loads settings as compose would.
    environment = service_environment(app_services()["web"], REQUIRED)
    assert "SESSION_COOKIE_SECURE" in environment_names_read(environment)
    local = environment | {"DJANGO_ENV": "local"}
    assert "SESSION_COOKIE_SECURE" not in environment_names_read(local)


def test_compose_never_runs_production_mode_beside_the_emulator():
    # The emulator refuses BOOTPAY_MODE=production and settings only install it outside it; the app must
    # send the SDK to the emulator service, and the emulator's webhooks must reach web's endpoint.
    services = app_services()
    sandbox = command_of(services["sandbox"])
    assert sandbox[:3] == ["python", "manage.py", "bootpay_sandbox"]
    assert option(sandbox, "--host") == "0.0.0.0"
    assert services["sandbox"]["stop_signal"] == "SIGINT", "it stops on Ctrl-C, not on SIGTERM as PID 1"
    for name, service in services.items():
        environment = service_environment(service, REQUIRED)
        assert environment["BOOTPAY_MODE"] == "sandbox", name
        assert environment["BOOTPAY_API_URL"] == f"http://sandbox:{option(sandbox, '--port')}/v2", name
    webhook = urlsplit(option(sandbox, "--webhook-url"))
    web_environment = service_environment(services["web"], REQUIRED)
    assert webhook.hostname == "web" and str(webhook.port) == web_environment["PORT"]
    assert "web" in web_environment["ALLOWED_HOSTS"].split(",")
    assert resolve(webhook.path).url_name == "webhook-bootpay"


def test_compose_holds_no_secret_value():
    # The secrets come from the environment or .env, never from the file: `${NAME:?…}` without a default.
    text = (ROOT / "compose.yaml").read_text()
    for name in REQUIRED:
        assert re.search(r"\$\{" + name + r":\?", text), f"{name} must be a required variable"
        assert not re.search(r"\$\{" + name + r":-", text), f"{name} must have no default"
    with pytest.raises(KeyError):
        service_environment(app_services()["web"], {})


# --- Base images ---------------------------------------------------------------------------------------
def test_the_python_base_image_satisfies_requires_python():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    image = build_arg_defaults()["PYTHON_IMAGE"]
    version = re.search(r":(\d+\.\d+)", image)
    assert version, f"PYTHON_IMAGE's tag names no Python version: {image}"
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(version[1])
    assert dockerfile()[0] == ("ARG", f"PYTHON_IMAGE={image}"), "base images are build arguments, first"


def test_the_node_base_image_satisfies_the_frontend_engines():
    engines = json.loads((ROOT / "frontend" / "package.json").read_text())["engines"]["node"]
    assert engines == "^20.19.0 || >=22.12.0", "update this test's reading of the engines range"
    major = int(re.search(r":(\d+)", build_arg_defaults()["NODE_IMAGE"])[1])
    # A `node:20…` tag follows the newest 20.x, past 20.19.
    assert major == 20 or major >= 22


# --- What goes into the image -------------------------------------------------------------------------
def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        bare = pattern.removeprefix("**/")
        if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
    return False


def copied_sources() -> list[str]:
    sources = []
    for keyword, arguments in dockerfile():
        if keyword in {"COPY", "ADD"} and not arguments.startswith("--from="):
            *paths, _destination = shlex.split(arguments)
            sources += [path for path in paths if not path.startswith("--")]
    return sources


def test_the_dockerfile_copies_files_that_exist_and_are_in_the_build_context():
    patterns = dockerignore()
    for source in copied_sources():
        assert source not in {".", "./"}, "copy what the image needs, not the whole context"
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not ignored(source, patterns), f"COPY {source}: .dockerignore leaves it out of the context"


def test_the_image_is_lean_and_holds_no_local_file():
    patterns = dockerignore()
    for kept_out in (".env", ".venv", "frontend/node_modules", "tests", ".git", "db.sqlite3", "staticfiles"):
        assert ignored(kept_out, patterns), f"{kept_out} must stay out of the build context"
    assert not any(source.startswith("tests") for source in copied_sources())
    stage = final_stage()
    runs = " ".join(arguments for keyword, arguments in stage if keyword == "RUN")
    assert "pip install" in runs and "[dev]" not in runs
    from_frontend = [arguments for keyword, arguments in stage if keyword == "COPY" and "--from" in arguments]
    assert from_frontend and all("/dist" in arguments for arguments in from_frontend), "only the built bundle"
    assert "collectstatic" in runs, "static files are collected at build time"


def test_the_image_runs_as_a_non_root_user():
    users = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    stage = final_stage()
    last_run = max(i for i, (keyword, _) in enumerate(stage) if keyword == "RUN")
    assert stage.index(("USER", users[-1])) > last_run, "USER after the last RUN: every process is the app's"
