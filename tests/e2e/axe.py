"""axe-core in the browser: the accessibility check every page of the shop passes.

axe-core is one of the frontend's devDependencies (frontend/node_modules/axe-core, from the lockfile). Its
script is evaluated in the page through the DevTools protocol, which the page's Content-Security-Policy does
not govern: the policy under test stays as it is served. A violation of impact serious or critical fails the
test with what axe found (rule, impact, help and the first few elements); moderate and minor ones are left to
the tests that name a rule (e.g. the seller page's `landmark-unique`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
NODES_SHOWN = 5


def axe_violations(page: Page) -> list[dict]:
    """axe's violations for the page as it is now (any impact), with their elements and what is wrong."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` in frontend/ (a devDependency)", pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        """async () => {
            const result = await window.axe.run(document, { resultTypes: ['violations'] });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || '' })),
            }));
        }"""
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        count = len(violation["nodes"])
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} ({count} elements)")
        for node in violation["nodes"][:NODES_SHOWN]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}  — {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> list[dict]:
    """Fail when axe finds a serious or critical violation on the page; returns all it found (any impact)."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe: serious or critical violations on {where}:\n{describe(blocking)}"
    return violations
