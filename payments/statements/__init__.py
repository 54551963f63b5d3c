"""Seller statements, a capability built on the payment core (docs/statements.md): what each seller
sold and refunded in a period (`selectors`), served from per-(seller, KST day) rollups it keeps through
the core's signals (`models`, `receivers`, `services`, `tasks`), as CSV (`csv`), checked against Bootpay
and the raw rows (`reconcile`), over REST (`api/`), GraphQL (graphql_api/statements.py) and three
commands (`statement`, `reconcile_statement`, `statement_rollups_rebuild`).

A Django app (label `statements`). The core never imports it.

The public names below are read lazily: Django imports this package while it loads the apps, before
any model can be imported.
"""

from __future__ import annotations

from config.lazy_exports import lazy_exports

_EXPORTS = {
    "STATEMENT_CURRENCY": "payments.statements.selectors",
    "STATEMENT_MAX_DAYS": "payments.statements.selectors",
    "STATEMENT_TIME_ZONE": "payments.statements.selectors",
    "CountedMoney": "payments.statements.selectors",
    "SellerStatement": "payments.statements.selectors",
    "Statement": "payments.statements.selectors",
    "StatementDay": "payments.statements.selectors",
    "StatementTotal": "payments.statements.selectors",
    "seller_statement": "payments.statements.selectors",
    "staff_statement": "payments.statements.selectors",
    "statement_period": "payments.statements.selectors",
    "CSV_HEADERS": "payments.statements.csv",
    "statement_csv": "payments.statements.csv",
    "StatementReconciliation": "payments.statements.reconcile",
    "statement_reconcile": "payments.statements.reconcile",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
