"""The soak's summary (a dict, also written as JSON) and its table."""

from __future__ import annotations

from collections import Counter

from tests.soak.checks import SHOWN, CheckResult

CLASSES = ("2xx", "3xx", "4xx", "5xx", "error")
# The soak proves nothing unless money moved: at least one payment verified.
VERIFY_KINDS = ("payment verify", "graphql verifyPayment")


def summary(
    *,
    tally,
    injected: Counter,
    injection_failed: Counter,
    restarts: dict,
    clock: dict,
    results: list[CheckResult],
) -> dict:
    requests: dict[str, dict[str, int]] = {}
    for (kind, klass), count in sorted(tally.counts.items()):
        requests.setdefault(kind, dict.fromkeys(CLASSES, 0))[klass] = count
    verified = sum(requests.get(kind, {}).get("2xx", 0) for kind in VERIFY_KINDS)
    client_errors = [kind for kind in requests if kind.startswith("client error")]
    checks = [
        {
            "check": result.name,
            "examined": result.examined,
            "held": result.held,
            "failures": result.failures,
            "notes": result.notes,
        }
        for result in results
    ]
    if not verified:
        checks.append(
            {
                "check": "traffic moved money",
                "examined": 0,
                "held": False,
                "failures": ["no payment verified"],
                "notes": [],
            }
        )
    if client_errors:
        checks.append(
            {"check": "the soak's client ran clean", "examined": len(client_errors), "held": False,
             "failures": client_errors, "notes": []}
        )  # fmt: skip
    return {
        "requests": requests,
        "answers_not_2xx": dict(sorted(tally.codes.items())),
        "faults": dict(sorted(injected.items())),
        "faults_not_injected": dict(sorted(injection_failed.items())),
        "restarts": dict(sorted(restarts.items())),
        "clock": clock,
        "checks": checks,
        "ok": all(check["held"] for check in checks),
    }


def table(data: dict) -> str:
    lines = [
        f"Chaos soak: {data['seconds']:.0f} s, {data['threads']} traffic threads, seed {data['seed']}",
        "",
    ]
    labels = [*data.get("requests", {}), *data.get("faults", {}), *data.get("clock", {})]
    labels += [f"restarted by the supervisor: {name}" for name in data.get("restarts", {})]
    labels += [f"{kind} (could not inject)" for kind in data.get("faults_not_injected", {})]
    labels += [check["check"] for check in data.get("checks", [])]
    width = max([len(label) for label in labels] + [30])
    lines.append(f"{'requests by kind':<{width}} " + " ".join(f"{klass:>6}" for klass in CLASSES))
    totals = dict.fromkeys(CLASSES, 0)
    for kind, counts in data.get("requests", {}).items():
        lines.append(f"{kind:<{width}} " + " ".join(f"{counts[klass]:>6}" for klass in CLASSES))
        for klass in CLASSES:
            totals[klass] += counts[klass]
    lines.append(f"{'total':<{width}} " + " ".join(f"{totals[klass]:>6}" for klass in CLASSES))
    lines += ["", f"{'faults injected by kind':<{width}} {'count':>6}"]
    for kind, count in data.get("faults", {}).items():
        lines.append(f"{kind:<{width}} {count:>6}")
    for kind, count in data.get("faults_not_injected", {}).items():
        lines.append(f"{kind + ' (could not inject)':<{width}} {count:>6}")
    for name, count in data.get("restarts", {}).items():
        lines.append(f"{'restarted by the supervisor: ' + name:<{width}} {count:>6}")
    for name, count in data.get("clock", {}).items():
        lines.append(f"{name:<{width}} {count:>6}")
    lines += ["", f"{'checks':<{width}} {'examined':>8}  result"]
    for check in data.get("checks", []):
        verdict = "held" if check["held"] else f"FAILED ({len(check['failures'])})"
        lines.append(f"{check['check']:<{width}} {check['examined']:>8}  {verdict}")
        for failure in check["failures"][:SHOWN]:
            lines.append(f"    - {failure}")
        if len(check["failures"]) > SHOWN:
            lines.append(f"    ... and {len(check['failures']) - SHOWN} more (--json-out has them all)")
    lines += ["", "RESULT: " + ("every check held" if data.get("ok") else "FAILED")]
    return "\n".join(lines)
