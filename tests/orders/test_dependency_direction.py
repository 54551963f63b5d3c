"""Payments builds on orders, never the reverse: no module of the orders app imports payments."""

import ast
from pathlib import Path

import orders


def test_orders_never_imports_payments():
    root = Path(orders.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(root)}: {name}" for name in names if name.split(".")[0] == "payments"
            ]

    assert offenders == []


def test_payments_answers_the_orders_closing_hook():
    # Connected in PaymentsConfig.ready; what it does: tests/payments/services/test_unconfirmed_withdrawal.py
    from orders.models import Order
    from orders.services import unpaid_order_closing

    assert unpaid_order_closing.has_listeners(sender=Order)
