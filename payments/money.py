"""`Money`: an amount in won with its tax-free part, the one value type of the core and its capabilities.

Bootpay (and so every order, payment, cancellation and statement line) splits an amount into a tax-free
part and the taxable rest. The services know it as `amount`/`tax_free`; statements show it as
`total`/`taxable`/`tax_free` (docs/statements.md). Both read the same object: `taxable` and `total` are
derived, so the parts always add up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    amount: int  # won, taxable + tax_free
    tax_free: int

    @classmethod
    def of(cls, *, taxable: int, tax_free: int) -> Money:
        """From its two parts (a statement's sums)."""
        return cls(amount=taxable + tax_free, tax_free=tax_free)

    @property
    def taxable(self) -> int:
        return self.amount - self.tax_free

    @property
    def total(self) -> int:
        """`amount`, under the name statements give it (REST, GraphQL and CSV)."""
        return self.amount
