"""Our table and the emulator's PG read every name our table knows the same way: a partial cancel offered
for an alias of a PG that takes them is taken by the emulator, and refused for any other PG."""

import pytest

from payments.pg_rules import PG_NAMES, partial_cancel_pgs, pg_rule
from payments.sandbox import SandboxState
from payments.sandbox.common import SandboxError

ALIASES = [(key, alias) for key, names in PG_NAMES.items() for alias in names]


@pytest.mark.parametrize(("key", "alias"), ALIASES, ids=[alias for _, alias in ALIASES])
@pytest.mark.parametrize("method", ["card", "easy_card"])
def test_the_emulator_takes_a_partial_cancel_exactly_where_our_table_offers_one(key, alias, method):
    state = SandboxState()
    receipt = state.create_receipt(order_id="o", price=10_000, pg=alias)
    state._receipts[receipt["receipt_id"]]["method_symbol"] = method  # a wallet's or a billing card's
    offered = pg_rule(pg=alias, method=method).partial is None
    assert offered == (key in partial_cancel_pgs())  # both card symbols are cards: only the PG decides
    if offered:
        assert state.cancel(receipt["receipt_id"], cancel_price=1_000)["cancelled_price"] == 1_000
    else:
        with pytest.raises(SandboxError):
            state.cancel(receipt["receipt_id"], cancel_price=1_000)
