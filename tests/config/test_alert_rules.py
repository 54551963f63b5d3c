"""config/prometheus/alerts.yml: valid for promtool, its unit tests pass, and every metric it names is one
the application exports (a rule on a misspelt metric would never fire)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.metrics_support import FakeBroker, parse

RULES_DIR = Path(__file__).resolve().parents[2] / "config" / "prometheus"
PROMTOOL = shutil.which("promtool")
# PromQL words that are not metric names.
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "time", "absent", "by", "without",
    "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "histogram_quantile", "le",
}  # fmt: skip
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def _promtool(*args: str) -> subprocess.CompletedProcess:
    if PROMTOOL is None:
        if os.environ.get("PROMTOOL_REQUIRED"):
            pytest.fail("promtool is required here (.ci/run installs Debian's prometheus) but is not on PATH")
        pytest.skip("promtool not installed (Debian: apt-get install prometheus)")
    return subprocess.run([PROMTOOL, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120)


def test_promtool_accepts_the_rules():
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_rules_pass():
    result = _promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def _metric_names(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr))
    return {word for word in words if word not in PROMQL_WORDS}


def _exported(families: dict) -> set[str]:
    names = set()
    for name, samples in families.items():
        names.add(name)
        names.update(sample.name for sample in samples)
    return names


@pytest.mark.django_db
def test_every_metric_a_rule_names_is_exported_by_the_app(client, settings, monkeypatch):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    settings.REDIS_URL = "redis://broker.invalid/0"  # the queue depth family needs a broker: a fake one
    monkeypatch.setattr("config.observability.queues._broker", lambda url: FakeBroker())
    text = client.get("/metrics").content.decode()
    # Families with no sample yet still carry their TYPE line; counters and histograms by their sample names.
    declared = set(re.findall(r"^# TYPE (\S+) (\S+)", text, flags=re.MULTILINE))
    exported = _exported(parse(text))
    for name, kind in declared:
        exported.add(name)
        if kind == "histogram":
            exported.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
    rules = yaml.safe_load((RULES_DIR / "alerts.yml").read_text())
    named = {
        metric
        for group in rules["groups"]
        for rule in group["rules"]
        for metric in _metric_names(rule["expr"])
    }
    assert named, "no metric found in the rules: the parsing above is broken"
    assert named <= exported, f"rules name metrics the app does not export: {sorted(named - exported)}"
