"""Automatic payments (docs/billing.md): billing keys, subscriptions, each period's charge, reservations.

Start with `states.py` (a charge's states and every allowed move, one table) and `services/__init__.py`
(the lock order: billing key → subscription → order → payment; the modules and their order).
"""
