"""Which production module may import which (DESIGN.md, "Layout"; CONTRIBUTING.md, "Dependency rules"):

- nothing outside `payments/sandbox/` imports the emulator (`payments.sandbox`);
- the payment core never imports a capability built on it (automatic payments, statements, webhooks):
  capabilities hook into the core through its signals and the outbox.

Imports are read from the source with `ast`: every `import` / `from … import`, at module level or inside a
function. A name imported from a module is followed to the module that defines it, so a re-export counts:
`from payments.billing.services import subscriptions_charge_due` imports
`payments.billing.services.schedule`.
The tables below say what is a capability and what is the core; moving code changes a table row, not the
test. (`tests/orders/test_dependency_direction.py` pins the other direction: orders never imports payments.)
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from functools import cache
from pathlib import Path

from config.settings import BASE_DIR

PRODUCTION_PACKAGES = ("config", "orders", "payments", "graphql_api")

SANDBOX = "payments.sandbox"

# Modules outside payments/sandbox/ allowed to import it, each with why (none: the emulator is an app of
# its own, installed only outside production, with its command and its URLconf).
SANDBOX_IMPORTERS_ALLOWED: set[str] = set()

# Capabilities built on the payment core: a module is one when its dotted name is an entry or lies
# under one. Today's layout and the one after issue 20's move (`payments.billing`, … as packages).
CAPABILITIES = {
    # automatic payments (billing keys, subscriptions, charges, reservations)
    "payments.billing": "billing",
    # seller statements (an app of its own: selectors, csv, reconcile, api/, its two commands)
    "payments.statements": "statements",
    # Bootpay's webhooks: receive, process, sweep (an app of its own: services, tasks, admin, api/, command)
    "payments.webhooks": "webhooks",
    # cash receipts (현금영수증): the buyer's choice, issuance, re-issue after refunds, self-issuance
    "payments.cash_receipts": "cash_receipts",
    # identity verification (본인인증) and the adult-only rule at order creation
    "payments.identity": "identity",
    # domain events (the outbox), partner webhooks and notifications
    "payments.events": "events",
}

# The payment core: a module under one of these and under no capability entry (a capability entry
# wins: `payments.services` is core, `payments.services.statements` would not be).
CORE = (
    "payments.models",
    "payments.gateway",
    "payments.services",  # common, verify, confirm, cancel, settle, sync, reconcile, escrow, and __init__
    "payments.selectors",
    "payments.api",  # views, serializers, filters, urls
    "payments.admin",
    "payments.admin_refund",
    "payments.tasks",
    "payments.apps",
    "payments.checks",
    "payments.management.commands.reconcile",
)

# (core importer, capability imported) pairs that exist today, each with what removes it. The test
# passes with these and fails on any other; `test_the_allow_list_holds_no_fixed_entry` asks to delete
# an entry once its import is gone, so the list only shrinks. Empty since billing's models left the core's
# `payments/models.py` for `payments/billing/models.py` (issue 20).
CORE_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def _under(name: str, entry: str) -> bool:
    return name == entry or name.startswith(entry + ".")


def capability_of(name: str) -> str | None:
    """The capability entry `name` belongs to (the longest matching one), or None."""
    matches = [entry for entry in CAPABILITIES if _under(name, entry)]
    return max(matches, key=len) if matches else None


def is_core(name: str) -> bool:
    return capability_of(name) is None and any(_under(name, entry) for entry in CORE)


def production_modules() -> dict[str, Path]:
    """Dotted name → file of every production module (migrations aside: generated, historical)."""
    modules = {}
    for package in PRODUCTION_PACKAGES:
        for path in sorted((Path(BASE_DIR) / package).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join(parts)] = path
    return modules


@cache
def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@cache
def _defining_module(module: str, attribute: str) -> str:
    """The module `from module import attribute` really reads: the submodule, or where the class or
    function is defined (a re-export), else `module` itself."""
    if _is_module(f"{module}.{attribute}"):
        return f"{module}.{attribute}"
    try:
        value = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return module
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__module__
    return module


def imported_modules(name: str, path: Path) -> set[str]:
    """Every production module `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(_defining_module(module, alias.name) for alias in node.names if alias.name != "*")
    return {module for module in found if module.split(".")[0] in PRODUCTION_PACKAGES}


def core_violations() -> set[tuple[str, str]]:
    """(core importer, capability entry) for every import of a capability by the core."""
    violations = set()
    for name, path in production_modules().items():
        if not is_core(name):
            continue
        for imported in imported_modules(name, path):
            capability = capability_of(imported)
            if capability is not None:
                violations.add((name, capability))
    return violations


def sandbox_importers() -> set[str]:
    return {
        f"{name} imports {imported}"
        for name, path in production_modules().items()
        if not _under(name, SANDBOX) and name not in SANDBOX_IMPORTERS_ALLOWED
        for imported in imported_modules(name, path)
        if _under(imported, SANDBOX)
    }


def test_the_tables_name_modules_that_exist():
    modules = production_modules()
    core = [entry for entry in CORE if not any(_under(name, entry) for name in modules)]
    assert core == [], "a CORE entry matches no module: update the table after a move"
    assert any(capability_of(name) for name in modules)
    gone = sorted(SANDBOX_IMPORTERS_ALLOWED - set(modules))
    assert gone == [], "a SANDBOX_IMPORTERS_ALLOWED module is gone: delete its entry"
    for importer, imported in CORE_IMPORTS_ALLOWED:
        assert is_core(importer) and imported in CAPABILITIES, (importer, imported)


def test_the_scan_follows_function_level_imports_and_re_exports(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        "def ready():\n"
        "    from payments.billing.services import subscriptions_charge_due\n"
        "    from payments import webhooks\n"
    )
    assert {"payments.billing.services.schedule", "payments.webhooks"} <= imported_modules(
        "payments.probe", source
    )


def test_nothing_outside_the_sandbox_imports_it():
    assert sandbox_importers() == set()


def test_the_core_never_imports_a_capability_beyond_todays_allow_list():
    new = sorted(core_violations() - set(CORE_IMPORTS_ALLOWED))
    assert new == [], (
        "the payment core imports a capability built on it (DESIGN.md, 'Layout'): hook the capability "
        "in through a signal or the outbox instead"
    )


def test_the_allow_list_holds_no_fixed_entry():
    fixed = sorted(set(CORE_IMPORTS_ALLOWED) - core_violations())
    assert fixed == [], "these imports are gone: delete their CORE_IMPORTS_ALLOWED entries"
