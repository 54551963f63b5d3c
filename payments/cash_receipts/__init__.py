"""Cash receipts (현금영수증), a capability built on the payment core: docs/cash-receipts.md."""
