"""Nothing in production imports the emulator (DESIGN.md, layout): its checkout endpoints are mounted by
dotted name (config/urls.py) and its app is installed outside BOOTPAY_MODE=production only."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_PACKAGES = ("config", "orders", "payments", "graphql_api")
SANDBOX = ROOT / "payments" / "sandbox"


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _production_modules():
    for package in PRODUCTION_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if SANDBOX not in path.parents and "migrations" not in path.parts:
                yield path


def test_no_production_module_imports_the_emulator():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _production_modules()
        for name in _imports(path)
        if name == "payments.sandbox" or name.startswith("payments.sandbox.")
    ]

    assert offenders == []


def test_the_gateway_package_is_the_only_production_code_that_imports_the_sdk():
    gateway = ROOT / "payments" / "gateway"
    importers = {
        path.relative_to(ROOT).as_posix()
        for path in _production_modules()
        if any(name.split(".")[0] == "bootpay_backend" for name in _imports(path))
    }

    assert importers and all(gateway in (ROOT / name).parents for name in importers), importers


def test_a_production_process_never_loads_the_emulator():
    code = (
        "import sys, django; django.setup()\n"
        "from django.test import Client\n"
        "import config.urls, graphql_api.schema, payments.tasks, payments.webhooks.tasks\n"
        "answer = Client().post(\n"
        "    '/api/v1/sandbox/payments/', {}, content_type='application/json', secure=True\n"
        ")\n"
        "print(answer.status_code, answer.json()['code'])\n"
        "print(sorted(name for name in sys.modules if name.startswith('payments.sandbox')))\n"
    )
    unset = ("BOOTPAY_", "DJANGO_", "SECRET_KEY", "BILLING_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-varied-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "BOOTPAY_MODE": "production",
        "BOOTPAY_CLIENT_KEY": "client",
        "BOOTPAY_SECRET_KEY": "secret",
        "BILLING_KEY_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWJpbGxpbmcta2V5LTMyLWJ5dGVzISE=",
    }

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["404 not_found", "[]"]
