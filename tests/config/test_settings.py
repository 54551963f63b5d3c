"""Production-like settings, checked in a fresh process (settings are read once, at import)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-varied-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    "BOOTPAY_MODE": "production",
    "BOOTPAY_CLIENT_KEY": "client",
    "BOOTPAY_SECRET_KEY": "secret",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOOTPAY_", "DJANGO_", "SECRET_KEY"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_passes_djangos_deployment_checks():
    result = manage("check", "--deploy", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    reported = {
        line.split(")")[0].split("(")[-1] for line in result.stderr.splitlines() if line.startswith("?:")
    }
    # Only the two opt-ins that depend on the operator's domain remain (HSTS subdomains and preload).
    assert reported <= {"security.W005", "security.W021"}


def test_production_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_run_the_sandbox_emulator():
    result = manage("bootpay_sandbox", "--port", "0", **PRODUCTION)

    assert result.returncode != 0 and "production" in result.stderr


def test_outside_local_the_bootpay_mode_must_be_chosen():
    env = {k: v for k, v in PRODUCTION.items() if k != "BOOTPAY_MODE"}

    result = manage("check", **env)

    assert result.returncode != 0 and "BOOTPAY_MODE" in result.stderr
    assert manage("check", **env, BOOTPAY_MODE="sandbox").returncode == 0  # chosen on purpose (staging)
