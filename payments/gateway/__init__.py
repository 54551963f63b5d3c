"""The only code that talks to Bootpay, and only through the official `bootpay-backend` SDK.

Services see the small `Gateway` protocol (receipt lookup, confirm, cancel, the escrow shipping
registration, and the billing-key calls of automatic payments) and take one as a
`gateway=` keyword, defaulting to the process-wide `get_gateway()`; tests and tasks may pass their
own (a fake, a wrapper counting calls) or swap the process-wide one with `set_gateway`.

What it adds on top of the SDK (which has no timeout and never looks at HTTP status):
- a hard per-call time limit (`BOOTPAY_TIMEOUT_S`) and pooled connections, by giving the SDK a
  transport that stands in for the `requests` module it calls (`install_transport`, applied when
  the first `BootpayGateway` is built, not when this package is imported): transport.py;
- one access-token call per expiry window per process (legacy application_id/private_key auth): tokens.py;
- the banks a virtual-account refund goes to and the refund account's rule (`REFUND_BANKS`,
  `RefundAccount.problems()`), which the checkout config hands to the frontend: banks.py;
- typed results (`Receipt`, `BillingKeyInfo`, `Reservation`) and typed failures: `GatewayUnavailable`
  when the outcome is unknown (timeout, connection error, 5xx, unreadable body), `GatewayError(code,
  message)` when Bootpay answered with a definite `error_code`: types.py, which imports no SDK;
- a shape check of every id the SDK puts into a URL path (receipt ids, billing keys, reserve ids), so a
  value such as `../cancel` never reaches it: client.py, with `BootpayGateway` and `get_gateway`.
Keys never leave this package: they are not logged, not put in exceptions, not stored. Neither does a
buyer's billing key: it is only ever an argument of the SDK call, never in a log record, an exception,
a result's `raw` or a `repr`.

Import from here (`from payments.gateway import Receipt`); the modules are its layout, not its API.
"""

from bootpay_backend import BootpayBackend  # the SDK's per-mode base URLs (config/health.py)

from payments.gateway.banks import REFUND_ACCOUNT_RULE, REFUND_BANKS, Bank, RefundAccountRule
from payments.gateway.cash_receipts import CASH_RECEIPT_TYPE_WORDS, CashReceiptResult
from payments.gateway.client import BootpayGateway, get_gateway, set_gateway
from payments.gateway.identity import Certificate
from payments.gateway.tokens import token_cache
from payments.gateway.transport import BoundedTransport, install_transport
from payments.gateway.types import (
    BILLING_KEY_PATTERN,
    KST,
    OUTCOME_UNKNOWN_CODES,
    RECEIPT_ID_PATTERN,
    RESERVE_ID_PATTERN,
    TOKEN_ERROR_CODES,
    BillingKeyInfo,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Receipt,
    ReceiptStatus,
    RefundAccount,
    Reservation,
    ReservationStatus,
    is_billing_key,
    is_receipt_id,
    parse_moment,
)

__all__ = [
    "REFUND_ACCOUNT_RULE",
    "REFUND_BANKS",
    "Bank",
    "CASH_RECEIPT_TYPE_WORDS",
    "CashReceiptResult",
    "Certificate",
    "BILLING_KEY_PATTERN",
    "KST",
    "OUTCOME_UNKNOWN_CODES",
    "RECEIPT_ID_PATTERN",
    "RESERVE_ID_PATTERN",
    "TOKEN_ERROR_CODES",
    "BillingKeyInfo",
    "BootpayBackend",
    "BootpayGateway",
    "BoundedTransport",
    "Gateway",
    "GatewayError",
    "GatewayUnavailable",
    "Receipt",
    "ReceiptStatus",
    "RefundAccount",
    "RefundAccountRule",
    "Reservation",
    "ReservationStatus",
    "get_gateway",
    "install_transport",
    "is_billing_key",
    "is_receipt_id",
    "parse_moment",
    "set_gateway",
    "token_cache",
]
